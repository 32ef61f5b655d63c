// Loads one of the console's TypeScript modules (web/src/lib/*.ts) for a Node test: esbuild
// (from web/node_modules, pinned by the lockfile) bundles it in memory and Node imports the
// result, so the tests run on Node 18 without a TypeScript loader.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web');
const { build } = createRequire(join(web, 'package.json'))('esbuild');

export async function loadLib(name) {
  const result = await build({
    entryPoints: [join(web, 'src', 'lib', name + '.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'error',
  });
  const code = Buffer.from(result.outputFiles[0].contents).toString('base64');
  return import('data:text/javascript;base64,' + code);
}
