import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempApp, tempApp, tempDir } from '../testing/temp-app.js';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the editor at /', () => {
  it('serves the built editor, with index.html for any non-API path', async () => {
    const webDir = await tempDir('dw-web-');
    await mkdir(join(webDir, 'assets'));
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Distributed World</title>');
    await writeFile(join(webDir, 'assets', 'app.js'), 'console.log(1)');
    t = await tempApp({ webDir });
    const root = await t.app.inject('/');
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('<title>Distributed World</title>');
    const asset = await t.app.inject('/assets/app.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    const deep = await t.app.inject('/worlds/shop-abc123');
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['content-type']).toMatch(/text\/html/);
    const api = await t.app.inject('/api/unknown');
    expect(api.statusCode).toBe(404);
    expect(api.json().error).toBe('not-found');
  });

  it('says to run `npm run build` when the editor is not built', async () => {
    t = await tempApp({ webDir: join(await tempDir('dw-web-'), 'dist') });
    const root = await t.app.inject('/');
    expect(root.headers['content-type']).toMatch(/text\/plain/);
    expect(root.body).toContain('npm run build');
    expect((await t.app.inject('/api/health')).json()).toEqual({ ok: true });
  });

  it('says so in remote mode too, where the browser opening / has no token to send yet', async () => {
    t = await tempApp({
      webDir: join(await tempDir('dw-web-'), 'dist'),
      access: { token: 'a-test-token-of-enough-length' },
    });
    const root = await t.app.inject('/');
    expect(root.statusCode).toBe(503);
    expect(root.body).toContain('npm run build');
    expect((await t.app.inject('/api/health')).statusCode).toBe(401);
  });
});
