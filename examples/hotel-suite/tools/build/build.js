#!/usr/bin/env node
// Builds one product of the workspace:
//
//   node tools/build/build.js <app> [--no-minify]
//
// reads    apps/<app>/index.html and apps/<app>/src/main.js with everything it imports,
// writes   apps/<app>/dist/index.html and apps/<app>/dist/app.js (one minified script).
//
// require('./build.js').build(app, {minify, out}) does the same into another folder
// (tools/dev/serve.js, the dev server, builds unminified into apps/<app>/.dev).
//
// A deliberately small bundler. It follows static `import` and `export ... from`
// statements written at the start of a line, relative ("./registry.js") or naming a
// workspace package ("@hotel/shared", resolved through that package's "exports" or
// "main"). Each module runs in its own function scope, in dependency order, inside one
// IIFE; its exports are getters on an object, its imports are read once when it starts
// (so import cycles are refused); an exported declaration names one binding. Then terser
// minifies the bundle with tools/build/<app>.config.js if there is one, else with
// tools/build/default.config.js. Same input, same bytes.
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

class BuildError extends Error {}

function rel(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BuildError(`${rel(file)}: ${err.message}`);
  }
}

// ---- resolving ------------------------------------------------------------

// name -> {dir, pkg} for every folder matched by the root package.json's
// "workspaces" ("dir/*" or "dir" patterns).
function workspacePackages() {
  const packages = new Map();
  for (const pattern of readJson(path.join(ROOT, 'package.json')).workspaces || []) {
    let dirs = [path.join(ROOT, pattern)];
    if (pattern.endsWith('/*')) {
      const parent = path.join(ROOT, pattern.slice(0, -2));
      dirs = fs.existsSync(parent)
        ? fs.readdirSync(parent).sort().map((name) => path.join(parent, name))
        : [];
    }
    for (const dir of dirs) {
      const manifest = path.join(dir, 'package.json');
      if (fs.existsSync(manifest)) packages.set(readJson(manifest).name, { dir, pkg: readJson(manifest) });
    }
  }
  return packages;
}

function existingFile(base) {
  for (const candidate of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

// The target of an "exports" entry: a string, or conditions such as {"import": ...}.
function exportTarget(entry) {
  if (entry === undefined || entry === null || typeof entry === 'string') return entry;
  for (const condition of ['browser', 'import', 'default']) {
    if (condition in entry) return exportTarget(entry[condition]);
  }
  return undefined;
}

function resolve(specifier, from, packages, where) {
  let file = null;
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    file = existingFile(path.resolve(path.dirname(from), specifier));
  } else {
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const subpath = ['.', ...parts.slice(name.split('/').length)].join('/');
    const ws = packages.get(name);
    if (!ws) {
      throw new BuildError(`${where}: cannot bundle "${specifier}": `
        + 'only relative imports and workspace packages are supported');
    }
    let target;
    if (ws.pkg.exports !== undefined) {
      let map = ws.pkg.exports;
      if (typeof map === 'string' || !Object.keys(map).some((key) => key.startsWith('.'))) map = { '.': map };
      target = exportTarget(map[subpath]);
    } else {
      target = subpath === '.' ? ws.pkg.main || 'index.js' : subpath;
    }
    if (target) file = existingFile(path.join(ws.dir, target));
  }
  if (!file) throw new BuildError(`${where}: cannot resolve "${specifier}"`);
  return file;
}

// ---- reading one module -----------------------------------------------------

const ID = '[A-Za-z_$][\\w$]*';
const SPEC = `(['"])([^'"]+)\\`; // a quoted specifier; the closing quote's group number follows
const END = '\\s*;?\\s*(?://.*)?$'; // an optional semicolon and line comment

const IMPORT = new RegExp(`^import\\s+(?:(${ID})\\s*,?\\s*)?(?:\\*\\s*as\\s+(${ID})|\\{([^}]*)\\})?\\s*from\\s*${SPEC}4${END}`);
const IMPORT_BARE = new RegExp(`^import\\s*${SPEC}1${END}`);
const EXPORT_LIST = new RegExp(`^export\\s*\\{([^}]*)\\}\\s*(?:from\\s*${SPEC}2)?${END}`);
const EXPORT_ALL = new RegExp(`^export\\s*\\*\\s*(?:as\\s+(${ID})\\s*)?from\\s*${SPEC}2${END}`);
const EXPORT_DECL = new RegExp(`^export\\s+(?:(?:async\\s+)?function\\s*\\*?\\s*|class\\s+|(?:const|let|var)\\s+)(${ID})`);
const EXPORT_DEFAULT = new RegExp(`^export\\s+default\\s+(?:(?:async\\s+)?function\\s*\\*?\\s*(${ID})|class\\s+(${ID}))?`);

// "a, b as c" -> [["a", "a"], ["b", "c"]]
function names(list) {
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const [from, as] = item.split(/\s+as\s+/);
    return [from.trim(), (as || from).trim()];
  });
}

// Splits a module into its import/export statements and the rest of its code.
function parseModule(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const mod = { file, imports: [], exports: [], reexports: [], body: [] };
  for (let i = 0; i < lines.length; i++) {
    const where = `${rel(file)}:${i + 1}`;
    if (!/^(import|export)\b/.test(lines[i])) {
      mod.body.push(lines[i]);
      continue;
    }
    if (/^import\s*[.(]/.test(lines[i])) {
      throw new BuildError(`${where}: dynamic import() and import.meta are not supported`);
    }
    // An import or "export {...}" may span lines: read on until it is complete.
    let stmt = lines[i];
    const open = () => (stmt.startsWith('import')
      ? !/(^import|from)\s*(['"])[^'"]*\2/.test(stmt)
      : /^export\s*\{/.test(stmt) && !stmt.includes('}'));
    while (open() && i + 1 < lines.length) stmt += `\n${lines[++i]}`;
    const oneLine = stmt.replace(/\s+/g, ' ');
    let m;
    if ((m = IMPORT.exec(oneLine))) {
      const bindings = [];
      if (m[1]) bindings.push(['default', m[1]]);
      if (m[3]) bindings.push(...names(m[3]));
      mod.imports.push({ specifier: m[5], where, bindings, namespace: m[2] || null });
    } else if ((m = IMPORT_BARE.exec(oneLine))) {
      mod.imports.push({ specifier: m[2], where, bindings: [], namespace: null });
    } else if ((m = EXPORT_LIST.exec(oneLine))) {
      if (m[3]) {
        const dep = { specifier: m[3], where, bindings: [], namespace: null };
        mod.imports.push(dep);
        for (const [from, as] of names(m[1])) mod.reexports.push({ dep, from, as });
      } else {
        for (const [local, as] of names(m[1])) mod.exports.push([as, local]);
      }
    } else if ((m = EXPORT_ALL.exec(oneLine))) {
      const dep = { specifier: m[3], where, bindings: [], namespace: null };
      mod.imports.push(dep);
      mod.reexports.push({ dep, from: '*', as: m[1] || '*' });
    } else if ((m = EXPORT_DEFAULT.exec(oneLine))) {
      const local = m[1] || m[2];
      if (local) {
        mod.body.push(stmt.replace(/^export\s+default\s+/, ''));
        mod.exports.push(['default', local]);
      } else {
        mod.body.push(stmt.replace(/^export\s+default\s+/, 'const __default = '));
        mod.exports.push(['default', '__default']);
      }
    } else if ((m = EXPORT_DECL.exec(oneLine))) {
      mod.body.push(stmt.replace(/^export\s+/, ''));
      mod.exports.push([m[1], m[1]]);
    } else {
      throw new BuildError(`${where}: unsupported statement: ${oneLine.slice(0, 80)}`);
    }
  }
  return mod;
}

// ---- the module graph -----------------------------------------------------

// Every module reachable from entry, each after the modules it imports.
function collect(entry) {
  const packages = workspacePackages();
  const order = [];
  const state = new Map(); // file -> 'visiting' | module
  const visit = (file, chain) => {
    if (state.get(file) === 'visiting') {
      throw new BuildError(`import cycle: ${[...chain, file].map(rel).join(' -> ')}`);
    }
    if (state.has(file)) return;
    state.set(file, 'visiting');
    const mod = parseModule(file);
    for (const dep of mod.imports) {
      dep.file = resolve(dep.specifier, file, packages, dep.where);
      visit(dep.file, [...chain, file]);
    }
    mod.id = order.length;
    state.set(file, mod);
    order.push(mod);
  };
  visit(entry, []);
  for (const mod of order) {
    for (const dep of mod.imports) dep.id = state.get(dep.file).id;
  }
  return order;
}

// ---- writing the bundle -----------------------------------------------------

const RUNTIME = `function __export(exports, getters) {
    for (var name in getters) Object.defineProperty(exports, name, { enumerable: true, get: getters[name] });
  }
  function __exportAll(exports, from) {
    Object.keys(from).forEach(function (name) {
      if (name !== 'default' && !Object.prototype.hasOwnProperty.call(exports, name)) {
        Object.defineProperty(exports, name, { enumerable: true, get: function () { return from[name]; } });
      }
    });
  }`;

// m3.name, or m3["not an identifier"]
function member(id, name) {
  return new RegExp(`^${ID}$`).test(name) ? `m${id}.${name}` : `m${id}[${JSON.stringify(name)}]`;
}

function key(name) {
  return new RegExp(`^${ID}$`).test(name) ? name : JSON.stringify(name);
}

function emitModule(mod) {
  const out = [`  // ${rel(mod.file)}`, `  var m${mod.id} = {};`, `  (function (exports) {`];
  for (const dep of mod.imports) {
    if (dep.namespace) out.push(`    var ${dep.namespace} = m${dep.id};`);
    for (const [from, local] of dep.bindings) out.push(`    var ${local} = ${member(dep.id, from)};`);
  }
  const getters = mod.exports.map(([as, local]) => `${key(as)}: function () { return ${local}; }`);
  for (const { dep, from, as } of mod.reexports) {
    if (from === '*' && as === '*') continue;
    const value = from === '*' ? `m${dep.id}` : member(dep.id, from);
    getters.push(`${key(as)}: function () { return ${value}; }`);
  }
  if (getters.length) out.push(`    __export(exports, { ${getters.join(', ')} });`);
  for (const { dep, from, as } of mod.reexports) {
    if (from === '*' && as === '*') out.push(`    __exportAll(exports, m${dep.id});`);
  }
  out.push(...mod.body.map((line) => (line ? `    ${line}` : line)));
  out.push(`  })(m${mod.id});`);
  return out.join('\n');
}

function bundle(modules, app) {
  return [
    `// ${app}: ${modules.length} modules, built by tools/build/build.js`,
    '(function () {',
    "  'use strict';",
    `  ${RUNTIME}`,
    '',
    modules.map(emitModule).join('\n\n'),
    '})();',
    '',
  ].join('\n');
}

// ---- main -------------------------------------------------------------------

async function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'));
  const minify = !argv.includes('--no-minify');
  if (args.length !== 1 || argv.some((a) => a.startsWith('--') && a !== '--no-minify')) {
    throw new BuildError('usage: node tools/build/build.js <app> [--no-minify]');
  }
  process.stdout.write(`${await build(args[0], { minify })}\n`);
}

// Build app into out (default apps/<app>/dist); returns what it did, in one line.
async function build(app, { minify = true, out } = {}) {
  const appDir = path.join(ROOT, 'apps', app);
  const entry = path.join(appDir, 'src', 'main.js');
  if (!fs.existsSync(entry)) throw new BuildError(`no such app: ${rel(entry)} is missing`);

  const modules = collect(entry);
  let code = bundle(modules, app);
  let configFile = path.join(__dirname, `${app}.config.js`);
  if (!fs.existsSync(configFile)) configFile = path.join(__dirname, 'default.config.js');
  if (minify) {
    const { minify: terser } = require('terser');
    const result = await terser(code, require(configFile));
    code = `${result.code}\n`;
  }

  const dist = out || path.join(appDir, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  fs.mkdirSync(dist, { recursive: true });
  fs.copyFileSync(path.join(appDir, 'index.html'), path.join(dist, 'index.html'));
  fs.writeFileSync(path.join(dist, 'app.js'), code);
  const how = minify ? `terser ${rel(configFile)}` : 'not minified';
  return `${app}: ${rel(dist)}/app.js, ${code.length} bytes, ${modules.length} modules (${how})`;
}

module.exports = { build, BuildError };

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`build: ${err instanceof BuildError ? err.message : err.stack}\n`);
    process.exit(1);
  });
}
