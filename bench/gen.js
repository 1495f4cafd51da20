#!/usr/bin/env node
// Generates a synthetic npm-workspaces monorepo for relgate's benchmark and
// differential tests.
//
//   node bench/gen.js --packages N --seed S [--files-per-package F]
//                     [--shape layered|chain|diamond|star|flat] [--quiet] OUTDIR
//
// The output is deterministic for a given (N, S, F, shape): same files, same
// commit ids. It is a git repository with two commits on branch main:
//
//   1. the whole workspace ("base");
//   2. one edited source file in a low-layer package that many packages
//      depend on ("head").
//
// A JSON summary is printed on stdout: base and head commits, the changed
// file and package, a leaf package, a low-layer package, counts.
//
// Packages live in packages/p<i> and are named @bench/p<i>. Each belongs to a
// layer and depends only on packages of lower layers, through
// dependencies, devDependencies, optionalDependencies or peerDependencies
// (a peer dependency on a workspace package is always also a
// devDependency, as is usual). Source files (.js .ts .jsx .tsx .mjs) import
// each other: relative imports inside a package, bare imports of the workspace
// packages the package depends on (the root or a subpath), imports of a few
// external packages, plus comments, strings, template literals, regular
// expressions and JSX text that only look like imports.
//
// Also written: root package.json (workspaces, packageManager), turbo.json,
// nx.json, package-lock.json (lockfileVersion 3, with fake external entries),
// .gitignore and README.md. Plain Node, no dependencies.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

const SHAPES = ['layered', 'chain', 'diamond', 'star', 'flat'];

function usage(msg) {
  if (msg) process.stderr.write(`gen.js: ${msg}\n`);
  process.stderr.write(
    'usage: node gen.js --packages N --seed S [--files-per-package F]\n' +
    '                   [--shape ' + SHAPES.join('|') + '] [--quiet] OUTDIR\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { packages: null, seed: null, files: 11, shape: 'layered', quiet: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v, name, min) => {
      if (!/^\d+$/.test(v) || Number(v) < min) usage(`${name} must be an integer >= ${min}`);
      return Number(v);
    };
    if (a === '--packages') o.packages = int(val(), '--packages', 1);
    else if (a === '--seed') o.seed = int(val(), '--seed', 0);
    else if (a === '--files-per-package') o.files = int(val(), '--files-per-package', 1);
    else if (a === '--shape') o.shape = val();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (o.out === null) o.out = a;
    else usage(`unexpected argument ${a}`);
  }
  if (o.packages === null) usage('--packages is required');
  if (o.seed === null) usage('--seed is required');
  if (o.out === null) usage('OUTDIR is required');
  if (!SHAPES.includes(o.shape)) usage(`unknown shape ${o.shape}`);
  return o;
}

// mulberry32: small, fast, good enough, and the same everywhere.
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),          // 0 .. n-1
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    weighted: (pairs) => {                       // [[value, weight], ...]
      let total = 0;
      for (const [, w] of pairs) total += w;
      let r = next() * total;
      for (const [v, w] of pairs) { if ((r -= w) < 0) return v; }
      return pairs[pairs.length - 1][0];
    },
  };
}

// Fake external packages: in package.json and the lockfile only, never
// installed. Their integrity strings are well-formed but made up.
const EXTERNALS = [
  ['left-pad', '1.3.0'], ['is-odd', '3.0.1'], ['ms', '2.1.3'],
  ['tiny-invariant', '1.3.3'], ['clsx', '2.1.1'], ['nanoid', '3.3.7'],
  ['dequal', '2.0.3'], ['kleur', '4.1.5'],
];

function fakeIntegrity(name, version) {
  return 'sha512-' + crypto.createHash('sha512').update(`${name}@${version}`).digest('base64');
}

// ---------------------------------------------------------------- the graph

// Returns an array of layers (arrays of package indexes, 0-based) and
// deps[i] = list of package indexes i depends on.
function buildGraph(n, shape, rng) {
  const layerOf = new Array(n);
  const deps = Array.from({ length: n }, () => []);
  if (shape === 'flat') {
    layerOf.fill(0);
  } else if (shape === 'star') {
    layerOf.fill(1);
    layerOf[0] = 0;
    for (let i = 1; i < n; i++) deps[i].push(0);
  } else if (shape === 'chain') {
    for (let i = 0; i < n; i++) {
      layerOf[i] = i;
      if (i > 0) deps[i].push(i - 1);
    }
  } else if (shape === 'diamond') {
    // Stacked diamonds: layers of 1, 2, 1, 2, ... packages; each package
    // depends on every package of the layer below.
    let i = 0, l = 0;
    const layers = [];
    while (i < n) {
      const size = Math.min(l % 2 === 0 ? 1 : 2, n - i);
      layers.push([]);
      for (let k = 0; k < size; k++, i++) { layerOf[i] = l; layers[l].push(i); }
      if (l > 0) for (const p of layers[l]) deps[p].push(...layers[l - 1]);
      l++;
    }
  } else { // layered
    // Layer l holds a share of packages proportional to l + 1, so that the
    // low layers are small and much depended on.
    const nl = Math.min(n, Math.max(2, Math.min(16, Math.round(Math.log2(n)))));
    const wsum = (nl * (nl + 1)) / 2;
    const sizes = [];
    let left = n;
    for (let l = 0; l < nl; l++) {
      const later = nl - 1 - l;  // keep at least one package for each later layer
      const size = l === nl - 1 ? left
        : Math.min(left - later, Math.max(1, Math.round((n * (l + 1)) / wsum)));
      sizes.push(size);
      left -= size;
    }
    let i = 0;
    sizes.forEach((size, l) => { for (let k = 0; k < size; k++) layerOf[i++] = l; });
    const start = [];  // first index of each layer
    for (let k = 0; k < n; k++) if (start[layerOf[k]] === undefined) start[layerOf[k]] = k;
    for (let p = 0; p < n; p++) {
      const l = layerOf[p];
      if (l === 0) continue;
      const want = 1 + rng.int(4);
      const chosen = new Set();
      for (let t = 0; t < want * 3 && chosen.size < want; t++) {
        // Mostly the layer right below, sometimes any lower layer.
        const ll = rng.chance(0.6) ? l - 1 : rng.int(l);
        const lo = start[ll], hi = start[ll + 1];
        chosen.add(lo + rng.int(hi - lo));
      }
      deps[p] = [...chosen].sort((a, b) => a - b);
    }
  }
  return { layerOf, deps };
}

// ------------------------------------------------------------- the packages

const DIRS_TS = [['src/lib', 4], ['src/util', 3], ['src/components', 3], ['src', 1]];
const EXTS_TS = [['ts', 55], ['tsx', 30], ['js', 10], ['mjs', 5]];
const EXTS_JS = [['js', 50], ['jsx', 30], ['mjs', 20]];

function planPackages(o, rng, graph) {
  const pkgs = [];
  for (let i = 0; i < o.packages; i++) {
    const num = i + 1;
    const lang = rng.chance(0.6) ? 'ts' : 'js';
    const files = [];
    const indexExt = lang === 'ts' ? 'ts' : 'js';
    files.push({ rel: `src/index.${indexExt}`, ext: indexExt, index: true, cjs: false });
    for (let k = 1; k < o.files; k++) {
      let ext = rng.weighted(lang === 'ts' ? EXTS_TS : EXTS_JS);
      let dir = rng.weighted(DIRS_TS);
      if (ext === 'jsx' || ext === 'tsx') dir = 'src/components';
      const base = dir === 'src/components' ? `C${k}` : `m${k}`;
      // Some plain .js files of js packages are CommonJS.
      const cjs = ext === 'js' && lang === 'js' && rng.chance(0.3);
      files.push({ rel: `${dir}/${base}.${ext}`, ext, index: false, cjs, k });
    }
    // Subpaths other packages may import: explicit "exports" entries for some
    // packages, plain file paths (resolved by extension probing) for others.
    const useExports = rng.chance(0.5);
    const externals = [];
    for (const [name, version] of EXTERNALS) if (rng.chance(0.12)) externals.push([name, version]);
    pkgs.push({
      i, num, name: `@bench/p${num}`, dir: `packages/p${num}`, lang, files, useExports,
      layer: graph.layerOf[i], deps: graph.deps[i], externals, depKinds: new Map(),
    });
  }
  // Which package.json field each workspace edge goes in.
  for (const p of pkgs) {
    for (const d of p.deps) {
      p.depKinds.set(d, rng.weighted([['dependencies', 70], ['devDependencies', 17],
        ['optionalDependencies', 3], ['peerDependencies', 10]]));
    }
  }
  // Subpath targets: a couple of non-index modules per package.
  for (const p of pkgs) {
    const mods = p.files.filter((f) => !f.index && !f.cjs);
    p.subpaths = mods.slice(0, 2).map((f) => ({
      file: f,
      spec: p.useExports ? `${p.name}/${path.posix.basename(f.rel, '.' + f.ext)}`
                         : `${p.name}/${f.rel.replace(/\.[^.]+$/, '')}`,
      exportKey: `./${path.posix.basename(f.rel, '.' + f.ext)}`,
    }));
  }
  return pkgs;
}

function packageJson(p, pkgs) {
  const j = { name: p.name, version: '1.0.0', private: true };
  const index = p.files[0];
  if (p.useExports) {
    j.exports = { '.': `./${index.rel}` };
    for (const s of p.subpaths) j.exports[s.exportKey] = `./${s.file.rel}`;
  } else {
    j.main = index.rel;
  }
  const fields = { dependencies: {}, devDependencies: {}, optionalDependencies: {}, peerDependencies: {} };
  for (const [name, version] of p.externals) fields.dependencies[name] = `^${version}`;
  for (const d of p.deps) {
    const kind = p.depKinds.get(d);
    fields[kind][pkgs[d].name] = '*';
    if (kind === 'peerDependencies') fields.devDependencies[pkgs[d].name] = '*';
  }
  for (const k of Object.keys(fields)) {
    const keys = Object.keys(fields[k]).sort();
    if (keys.length) j[k] = Object.fromEntries(keys.map((x) => [x, fields[k][x]]));
  }
  return j;
}

// ---------------------------------------------------------------- sources

function relSpec(fromRel, to) {
  let r = path.posix.relative(path.posix.dirname(fromRel), to.rel);
  if (!r.startsWith('.')) r = './' + r;
  return r;
}

function decoyName(rng, p, pkgs) {
  const q = pkgs[rng.int(pkgs.length)];
  return q === p || p.deps.includes(q.i) ? `@bench/retired${q.num}` : q.name;
}

function decoys(rng, p, pkgs) {
  // Text that mentions imports without being one. The names point at packages
  // the package does not depend on, so a scanner that takes them for imports
  // makes edges that the manifests do not have.
  const other = () => decoyName(rng, p, pkgs);
  const out = [];
  const kinds = rng.int(3) + 1;
  for (let k = 0; k < kinds; k++) {
    switch (rng.int(6)) {
      case 0: out.push(`// import { legacy } from '${other()}';`); break;
      case 1: out.push(`/* const old = require("${other()}");\n   export * from '${other()}'; */`); break;
      case 2: out.push(`const note${k} = "import x from '${other()}'";`); break;
      case 3: out.push(`const tpl${k} = \`require('${other()}') and \${1 + 1} import('${other()}')\`;`); break;
      case 4: out.push(`const re${k} = /import\\s+\\w+\\s+from\\s+['"]${other().replace('/', '\\/')}['"]/;`); break;
      default: out.push(`const msg${k} = 'see ' + "require(\\"${other()}\\")";`); break;
    }
  }
  return out;
}

function sourceFile(p, f, pkgs, rng) {
  const lines = [`// ${p.name} ${f.rel}`];
  const isTs = f.ext === 'ts' || f.ext === 'tsx';
  const esmNeedsExt = f.ext === 'mjs';
  const fn = `f${p.num}_${f.index ? 0 : f.k}`;
  const used = [];

  if (f.index) {
    for (const m of p.files.slice(1)) {
      if (m.cjs) continue;
      let spec = relSpec(f.rel, m).replace(/\.(ts|tsx|js|jsx)$/, '');
      lines.push(`export * from '${spec}';`);
    }
    // The index imports something from each workspace dependency.
    for (const d of p.deps) {
      const q = pkgs[d];
      lines.push(`import { f${q.num}_0 as dep${q.num} } from '${q.name}';`);
      used.push(`dep${q.num}`);
    }
  } else {
    // Relative imports of earlier modules of the same package.
    const earlier = p.files.slice(1, f.k).filter((m) => !m.cjs || f.cjs);
    const nrel = Math.min(earlier.length, rng.int(3));
    const seen = new Set();
    for (let t = 0; t < nrel; t++) {
      const m = rng.pick(earlier);
      if (seen.has(m)) continue;
      seen.add(m);
      let spec = relSpec(f.rel, m);
      if (!esmNeedsExt && !m.ext.startsWith('m')) spec = spec.replace(/\.(ts|tsx|js|jsx)$/, '');
      const local = `f${p.num}_${m.k}`;
      if (f.cjs) lines.push(`const { ${local} } = require('${spec}');`);
      else if (rng.chance(0.15)) {
        lines.push(`const lazy${m.k} = () => import('${spec}');`);
        continue;
      } else lines.push(`import { ${local} } from '${spec}';`);
      used.push(local);
    }
    // Bare imports of workspace dependencies: the root or a subpath.
    if (p.deps.length && rng.chance(0.5)) {
      const q = pkgs[rng.pick(p.deps)];
      if (q.subpaths.length && rng.chance(0.4)) {
        const s = rng.pick(q.subpaths);
        const local = `f${q.num}_${s.file.k}`;
        if (f.cjs) lines.push(`const { ${local} } = require('${s.spec}');`);
        else lines.push(`import { ${local} } from '${s.spec}';`);
        used.push(local);
      } else {
        const local = `f${q.num}_0`;
        if (f.cjs) lines.push(`const { ${local} } = require('${q.name}');`);
        else lines.push(`import { ${local} } from '${q.name}';`);
        used.push(local);
      }
    }
    // An external package, now and then.
    if (p.externals.length && rng.chance(0.3)) {
      const [name] = rng.pick(p.externals);
      const local = name.replace(/[^a-z]/g, '_');
      if (f.cjs) lines.push(`const ${local} = require('${name}');`);
      else lines.push(`import ${local} from '${name}';`);
    }
  }
  lines.push('');
  lines.push(...decoys(rng, p, pkgs));
  lines.push('');

  const arg = isTs ? 'input: number' : 'input';
  const ret = isTs ? ': number' : '';
  const body = [`  let acc = input * ${p.num % 97 + 1};`];
  for (const u of used) body.push(`  acc += typeof ${u} === 'function' ? 1 : 0;`);
  body.push(`  return acc + ${rng.int(1000)};`);

  if (f.cjs) {
    lines.push(`function ${fn}(${arg}) {`, ...body, '}', `module.exports = { ${fn} };`);
  } else if (f.ext === 'jsx' || f.ext === 'tsx') {
    const props = isTs ? `{ n }: { n: number }` : `{ n }`;
    lines.push(`export function ${fn}(${arg})${ret} {`, ...body, '}');
    lines.push(`export function View${p.num}_${f.k}(${props}) {`);
    lines.push(`  return <p className="note">import x from "${decoyName(rng, p, pkgs)}" ({n})</p>;`);
    lines.push('}');
  } else {
    lines.push(`export function ${fn}(${arg})${ret} {`, ...body, '}');
    if (isTs) lines.push(`export type T${p.num}_${f.index ? 0 : f.k} = { id: number; name: string };`);
  }
  lines.push('');
  return lines.join('\n');
}

// ----------------------------------------------------------- root files

function npmVersion() {
  try {
    return execFileSync('npm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '10.0.0';
  }
}

function lockfile(rootName, pkgs, pjsons) {
  const packages = { '': { name: rootName, version: '0.0.0', workspaces: ['packages/*'] } };
  const entries = {};
  const ext = new Map();
  for (const p of pkgs) for (const [n, v] of p.externals) ext.set(n, v);
  for (const [n, v] of ext) {
    entries[`node_modules/${n}`] = { version: v, integrity: fakeIntegrity(n, v), license: 'MIT' };
  }
  for (const p of pkgs) entries[`node_modules/${p.name}`] = { resolved: p.dir, link: true };
  for (const p of pkgs) {
    const j = pjsons[p.i];
    const e = { name: j.name, version: j.version };
    for (const k of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      if (j[k]) e[k] = j[k];
    }
    entries[p.dir] = e;
  }
  for (const k of Object.keys(entries).sort()) packages[k] = entries[k];
  return { name: rootName, lockfileVersion: 3, requires: true, packages };
}

function writeJson(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj, null, 2) + '\n');
}

// ------------------------------------------------------------------ git

function git(dir, args, env) {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  }).trim();
}

function commitEnv(when) {
  const date = `${when} +0000`;
  return {
    GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: '1', HOME: process.env.HOME || '/',
  };
}

// ------------------------------------------------------------------- main

function main() {
  const t0 = Date.now();
  const o = parseArgs(process.argv.slice(2));
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length) {
    process.stderr.write(`gen.js: ${out} exists and is not empty\n`);
    process.exit(2);
  }
  const rng = makeRng(o.seed * 2654435761 + o.packages * 40503 + SHAPES.indexOf(o.shape));
  const graph = buildGraph(o.packages, o.shape, rng);
  const pkgs = planPackages(o, rng, graph);

  fs.mkdirSync(out, { recursive: true });
  const rootName = 'bench-monorepo';
  writeJson(path.join(out, 'package.json'), {
    name: rootName, version: '0.0.0', private: true,
    workspaces: ['packages/*'],
    packageManager: `npm@${npmVersion()}`,
  });
  writeJson(path.join(out, 'turbo.json'), { tasks: { build: { dependsOn: ['^build'] } } });
  // No daemon, no cloud, no analytics; source analysis stays at nx's default
  // for a workspace without @nx/js (package.json edges only).
  writeJson(path.join(out, 'nx.json'), {
    defaultBase: 'main', useDaemonProcess: false, neverConnectToCloud: true, analytics: false,
  });
  fs.writeFileSync(path.join(out, '.gitignore'), 'node_modules/\n.relgate/\n.nx/\n.turbo/\n');
  fs.writeFileSync(path.join(out, 'README.md'),
    `# Synthetic workspace\n\n${o.packages} packages, shape ${o.shape}, seed ${o.seed}.\n`);

  const pjsons = pkgs.map((p) => packageJson(p, pkgs));
  writeJson(path.join(out, 'package-lock.json'), lockfile(rootName, pkgs, pjsons));

  const made = new Set();
  let nfiles = 0;
  for (const p of pkgs) {
    fs.mkdirSync(path.join(out, p.dir, 'src'), { recursive: true });
    writeJson(path.join(out, p.dir, 'package.json'), pjsons[p.i]);
    for (const f of p.files) {
      const file = path.join(out, p.dir, f.rel);
      const dir = path.dirname(file);
      if (!made.has(dir)) { fs.mkdirSync(dir, { recursive: true }); made.add(dir); }
      fs.writeFileSync(file, sourceFile(p, f, pkgs, rng));
      nfiles++;
    }
  }

  // Direct dependents: to find a much depended-on low package and a leaf.
  const dependents = pkgs.map(() => 0);
  for (const p of pkgs) for (const d of p.deps) dependents[d]++;
  let low = pkgs[0];
  for (const p of pkgs) {
    if (p.layer < low.layer || (p.layer === low.layer && dependents[p.i] > dependents[low.i])) low = p;
  }
  // Leaves: nobody depends on them. The last one is "the" leaf.
  const leaves = pkgs.filter((p) => dependents[p.i] === 0).map((p) => p.dir);
  const leaf = pkgs.find((p) => p.dir === leaves[leaves.length - 1]) || pkgs[pkgs.length - 1];
  // A package halfway up, other than the low package and the leaf if possible.
  const byLayer = [...pkgs].sort((a, b) => a.layer - b.layer || a.i - b.i);
  const mid = byLayer.filter((p) => p !== low && p !== leaf)[Math.floor((pkgs.length - 2) / 2)] || low;

  git(out, ['init', '-q', '-b', 'main']);
  git(out, ['config', 'user.name', 'Bench']);
  git(out, ['config', 'user.email', 'bench@example.com']);
  git(out, ['config', 'commit.gpgsign', 'false']);
  git(out, ['add', '-A']);
  git(out, ['commit', '-q', '--no-verify', '-m', 'Synthetic workspace'], commitEnv('2024-01-01T00:00:00'));
  const base = git(out, ['rev-parse', 'HEAD']);

  // The change: one module of the low package, a module its index re-exports.
  const target = low.files.find((f) => !f.index && !f.cjs) || low.files[0];
  const changed = `${low.dir}/${target.rel}`;
  fs.appendFileSync(path.join(out, changed), `export const revision${low.num} = 2;\n`);
  git(out, ['add', '-A']);
  git(out, ['commit', '-q', '--no-verify', '-m', `Change ${low.name}`], commitEnv('2024-01-02T00:00:00'));
  const head = git(out, ['rev-parse', 'HEAD']);

  const summary = {
    dir: out, packages: o.packages, seed: o.seed, shape: o.shape,
    filesPerPackage: o.files, sourceFiles: nfiles,
    layers: Math.max(...graph.layerOf) + 1,
    edges: pkgs.reduce((s, p) => s + p.deps.length, 0),
    base, head, changed, changedPackage: low.name, changedPackageDir: low.dir,
    lowPackage: low.name, lowPackageDir: low.dir, lowPackageDependents: dependents[low.i],
    leafPackage: leaf.name, leafPackageDir: leaf.dir,
    midPackage: mid.name, midPackageDir: mid.dir,
    leaves: leaves.slice(-10),
    externals: [...new Set(pkgs.flatMap((p) => p.externals.map(([n]) => n)))].sort(),
    ms: Date.now() - t0,
  };
  process.stdout.write(JSON.stringify(summary, null, o.quiet ? 0 : 2) + '\n');
}

main();
