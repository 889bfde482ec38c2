import type { ErrorBody, WorldRecord } from '@dw/world';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type TempApp, tempApp } from '../testing/temp-app.js';
import { MESH_WORLD, PAIR_WORLD } from '../testing/worlds.js';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /api/worlds/:id/kubernetes', () => {
  it('exports a saved world as <name>.kubernetes.yaml: one document per object, no key in it', async () => {
    t = await tempApp();
    const created: WorldRecord = (
      await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })
    ).json();
    const response = await t.app.inject(`/api/worlds/${created.id}/kubernetes?observerPort=18123`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/yaml/);
    expect(response.headers['content-disposition']).toBe('attachment; filename="mesh.kubernetes.yaml"');
    expect(response.body).not.toMatch(/PRIVATE KEY/);
    expect(response.body).toContain(`kubectl -n dw-${created.id} port-forward service/dw-observer 18123:4400`);
    const objects = parseAllDocuments(response.body).map((d) => d.toJS());
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const id of ['shopper', 'orders', 'payments', 'inventory']) {
      expect(kinds).toContain(`Deployment/${id}`);
      expect(kinds).toContain(`Service/${id}`);
    }
    expect(kinds).toContain('NetworkPolicy/callers-of-orders');
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: `dw-${created.id}` } });

    const chosen = await t.app.inject(`/api/worlds/${created.id}/kubernetes?namespace=shop&observer=false`);
    const docs = parseAllDocuments(chosen.body).map((d) => d.toJS());
    expect(docs[0].metadata.name).toBe('shop');
    expect(docs.some((o) => o.metadata.name === 'dw-observer')).toBe(false);
  });

  it('answers 404 for no such world, 400 for a bad port, a bad namespace or an id Kubernetes cannot name', async () => {
    t = await tempApp();
    expect((await t.app.inject('/api/worlds/nope/kubernetes')).statusCode).toBe(404);
    const created: WorldRecord = (
      await t.app.inject({ method: 'POST', url: '/api/worlds', payload: MESH_WORLD })
    ).json();
    expect((await t.app.inject(`/api/worlds/${created.id}/kubernetes?observerPort=99999`)).statusCode).toBe(400);
    const badNamespace = await t.app.inject(`/api/worlds/${created.id}/kubernetes?namespace=Not_A_Label`);
    expect(badNamespace.statusCode).toBe(400);
    expect((badNamespace.json() as ErrorBody).error).toBe('not-exportable');
    const digits = {
      ...PAIR_WORLD,
      services: PAIR_WORLD.services.map((s) => (s.id === 'callee' ? { ...s, id: '2fa' } : s)),
      links: [{ id: 'l1', from: 'caller', to: '2fa' }],
    };
    const saved: WorldRecord = (await t.app.inject({ method: 'POST', url: '/api/worlds', payload: digits })).json();
    const refused = await t.app.inject(`/api/worlds/${saved.id}/kubernetes`);
    expect(refused.statusCode).toBe(400);
    const body = refused.json() as ErrorBody;
    expect(body.error).toBe('not-exportable');
    expect(body.problems).toEqual([
      { pointer: '/services/1/id', message: expect.stringMatching(/"2fa" must start with a letter/) },
    ]);
  });
});
