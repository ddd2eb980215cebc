# Sourced by bench/bench.sh and bench/analyze.sh: the wasm-opt level and
# params that index.html asks trunk for on the app's rust link
# (data-bin="pkce-spa", to its end), as `wasm-opt` arguments, so that what
# they build is optimized like the release. Fails when the link names none.
wasm_opt_flags() {
  local app_link='/data-bin="pkce-spa"/,/>/' level params
  level=$(sed -n "${app_link}s/.*data-wasm-opt=\"\([^\"]*\)\".*/\1/p" index.html)
  params=$(sed -n "${app_link}s/.*data-wasm-opt-params=\"\([^\"]*\)\".*/\1/p" index.html)
  if [ -z "$level" ] || [ -z "$params" ]; then
    echo "no wasm-opt level and params for pkce-spa in index.html" >&2
    return 1
  fi
  echo "-O$level $params"
}
