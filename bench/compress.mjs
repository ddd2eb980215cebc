// gzip -9 and brotli 11 of a file's bytes: the sizes `make bench` and the
// size budget report, and what scripts/post-build.mjs writes beside the assets.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export function gzip(bytes) {
  return gzipSync(bytes, { level: 9 });
}

export function brotli(bytes) {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}
