#!/usr/bin/env node
// The dev server of a product, as front-end teams run one while they work:
//
//   node tools/dev/serve.js <app> [--port N]
//
// builds apps/<app> without minifying into apps/<app>/.dev and serves that folder on
// 127.0.0.1 (port N, default any free one), printing "dev server: <url>". It runs until
// it is killed: it never ends by itself.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { build } = require('../build/build.js');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

async function main(argv) {
  const app = argv[0];
  const i = argv.indexOf('--port');
  const port = i >= 0 ? Number(argv[i + 1]) : 0;
  if (!app || app.startsWith('--') || !Number.isInteger(port)) {
    throw new Error('usage: node tools/dev/serve.js <app> [--port N]');
  }
  const out = path.resolve(__dirname, '..', '..', 'apps', app, '.dev');
  process.stdout.write(`${await build(app, { minify: false, out })}\n`);
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html');
    const file = path.join(out, path.normalize(name));
    if (!file.startsWith(out + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`dev server: http://127.0.0.1:${server.address().port}/\n`);
  });
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`dev server: ${err.message}\n`);
  process.exit(1);
});
