// Builds the console into OUTDIR (default ../build/console): index.html and assets/app.{js,css},
// each with a gzip -9 sibling that berth serves to clients accepting gzip. Nothing is fetched
// from the network; everything comes from src/ and node_modules (pinned by package-lock.json).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] || join(here, '..', 'build', 'console'));
rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox115'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(outdir, 'assets'),
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(outdir, 'index.html'));

let total = 0;
for (const file of [...Object.keys(result.metafile.outputs), join(outdir, 'index.html')]) {
  const path = resolve(file);
  if (!/\.(js|css|html|txt)$/.test(path)) continue;
  const gz = gzipSync(readFileSync(path), { level: 9 });
  writeFileSync(path + '.gz', gz);
  total += gz.length;
}
console.log(`console built in ${outdir} (${(total / 1024).toFixed(1)} KB gzipped)`);
