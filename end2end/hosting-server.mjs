// TEST-ONLY: serves the release builds through a real web server with the
// hosting recipe of docs/hosting/, unchanged but for three values:
//   node hosting-server.mjs nginx|caddy
//   PORT (loopback port), PROVIDER_ISSUER (config.json's issuer; its origin
//   goes into the CSP's connect-src), CLIENT_ID.
//
// 1. A fresh folder in the system's temp dir holds two copies of the one
//    release build ../dist, as the recipe's dist/ (served at /) and dist-app/
//    (served at /app/), with a config.json each (the build stays untouched).
// 2. The recipe is copied there with its placeholders replaced: the listen
//    address / site address (port), /srv/pkce-spa/ (the build folders) and
//    https://YOUR-PROVIDER-ORIGIN. Each must occur as often as expected, so a
//    changed recipe cannot slip past the tests untemplated.
// 3. The server runs in the foreground as this user, everything it writes in
//    that folder: nginx with a main config of its own (pid, temp paths,
//    `daemon off`) that includes the recipe, as Debian's nginx.conf includes
//    sites-enabled/; Caddy with global options of its own (admin API off, no
//    automatic HTTPS, loopback only) that import the recipe, and HOME and the
//    XDG folders in the temp folder.
// SIGTERM / SIGINT stop the server and remove the folder.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CLIENT_ID as DEFAULT_CLIENT_ID, PROVIDER } from './addresses.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RECIPES = path.resolve(HERE, '../docs/hosting');
const BROTLI_MODULE = '/usr/lib/nginx/modules/ngx_http_brotli_static_module.so';

const server = process.argv[2];
const port = Number.parseInt(process.env.PORT ?? '', 10);
const issuer = process.env.PROVIDER_ISSUER || PROVIDER;
const clientId = process.env.CLIENT_ID || DEFAULT_CLIENT_ID;

function fail(message) {
  console.error(`hosting-server: ${message}`);
  process.exit(2);
}

if (server !== 'nginx' && server !== 'caddy') fail('usage: node hosting-server.mjs nginx|caddy');
if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`invalid PORT ${JSON.stringify(process.env.PORT)}`);
const providerOrigin = new URL(issuer).origin;

// 1. The site: copies of the builds, each with its config.json.
const dir = path.join(tmpdir(), `pkce-spa-hosting-${server}-${port}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { mode: 0o755 });
const source = path.resolve(HERE, '..', 'dist');
for (const build of ['dist', 'dist-app']) {
  try {
    cpSync(source, path.join(dir, build), { recursive: true });
  } catch (err) {
    fail(`cannot copy ${source} (build the app first): ${err.message}`);
  }
  writeFileSync(path.join(dir, build, 'config.json'), `${JSON.stringify({ issuer, client_id: clientId })}\n`, { mode: 0o644 });
}

// 2. The recipe, templated.
function template(file, substitutions) {
  const text = readFileSync(path.join(RECIPES, file), 'utf8');
  // (Comment lines are left as they are and not counted.)
  const lines = text.split('\n');
  const isComment = (line) => line.trimStart().startsWith('#');
  for (const [from, to, times] of substitutions) {
    const found = lines.filter((line) => !isComment(line)).reduce((n, line) => n + line.split(from).length - 1, 0);
    if (found !== times) fail(`docs/hosting/${file}: expected ${times} × ${JSON.stringify(from)} outside comments, found ${found}`);
    for (const [i, line] of lines.entries()) if (!isComment(line)) lines[i] = line.replaceAll(from, to);
  }
  return lines.join('\n');
}
const common = [
  ['/srv/pkce-spa/', `${dir}/`, 2],
  ['https://YOUR-PROVIDER-ORIGIN', providerOrigin, 1],
];

let command;
let args;
let env = process.env;
if (server === 'nginx') {
  writeFileSync(path.join(dir, 'site.conf'), template('nginx.conf', [['listen 80;', `listen 127.0.0.1:${port};`, 1], ...common]));
  mkdirSync(path.join(dir, 'temp'), { mode: 0o755 });
  const temp = (name) => path.join(dir, 'temp', name);
  writeFileSync(path.join(dir, 'nginx.conf'), `# Test-only main context around docs/hosting/nginx.conf.
load_module ${BROTLI_MODULE};
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path ${temp('body')};
    proxy_temp_path ${temp('proxy')};
    fastcgi_temp_path ${temp('fastcgi')};
    uwsgi_temp_path ${temp('uwsgi')};
    scgi_temp_path ${temp('scgi')};
    include ${dir}/site.conf;
}
`);
  // Debian's nginx is in /usr/sbin, which a user's PATH may lack.
  command = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  // -e: the error log before the config is read (else /var/log/nginx/).
  args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'];
} else {
  writeFileSync(path.join(dir, 'site.caddy'), template('Caddyfile', [['app.example.com {', `http://127.0.0.1:${port} {`, 1], ...common]));
  writeFileSync(path.join(dir, 'Caddyfile'), `# Test-only global options around docs/hosting/Caddyfile.
{
	admin off
	auto_https off
	default_bind 127.0.0.1
	log {
		level ERROR
	}
}
import ${dir}/site.caddy
`);
  command = 'caddy';
  args = ['run', '--config', path.join(dir, 'Caddyfile'), '--adapter', 'caddyfile'];
  env = {
    ...process.env,
    HOME: dir,
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  };
}

// 3. Run it in the foreground.
const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
console.log(`hosting-server: ${server} on http://127.0.0.1:${port}/ from ${dir}, connect-src ${providerOrigin}`);
child.on('error', (err) => {
  rmSync(dir, { recursive: true, force: true });
  fail(`cannot start ${command} (scripts/setup.sh installs it): ${err.message}`);
});
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => child.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM'));
}
