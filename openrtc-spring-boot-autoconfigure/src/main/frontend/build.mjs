// Copies LiveKit's JS client (the UMD build: one file, the global `LivekitClient`) into the
// resources the playground serves, so the page needs no CDN and works offline. The bundle is
// committed; run `npm ci && npm run build` here after changing the version in package.json.
import { copyFileSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, 'node_modules/livekit-client/package.json'), 'utf8'));
const target = join(here, '../resources/io/openrtc/spring/playground/static');
mkdirSync(target, { recursive: true });
const source = readFileSync(join(here, 'node_modules/livekit-client/dist/livekit-client.umd.js'), 'utf8')
  .replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
writeFileSync(join(target, 'livekit-client.umd.js'),
  `/*! livekit-client ${pkg.version} (${pkg.license}), https://github.com/livekit/client-sdk-js: copied by src/main/frontend/build.mjs */\n` + source);
copyFileSync(join(here, 'node_modules/livekit-client/LICENSE'), join(target, 'livekit-client.LICENSE.txt'));
console.log(`livekit-client ${pkg.version} -> ${target}`);
