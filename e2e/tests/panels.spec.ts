// The panels a new user reads in the first hour (issue 19): an intruder's certificate panel says it serves nothing
// and shows what it calls with; a world just opened shows no leftover dots; a running node's inspector shows live
// first and starts at the top; a list of sampled messages holds still under the pointer; deleting a node that runs
// asks first, and an undo back to what runs says so; Play says why it cannot be pressed and what it will do, its
// log names links by their ends, its verdict is in view, and its dropdowns show their whole choice.
import { EXAMPLE_WORLD, type World, type WorldRecord } from '@dw/world';
import { fixtureWorld } from '@dw/world/fixtures';
import { expect, type Page, test } from '@playwright/test';
import { FAN_WORLD } from './fixtures';
import { api, baseUrl, numberAttr, openNewWorld, shot } from './support';

const create = (world: World) =>
  api<WorldRecord>('/api/worlds', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(world),
  });

const stop = (worldId: string) => fetch(new URL(`/api/worlds/${worldId}/deploy`, baseUrl()), { method: 'DELETE' });

/** Presses Deploy (a first deploy runs at once) and waits for every node to be ready. */
async function deploy(page: Page, world: World): Promise<void> {
  await page.getByRole('button', { name: 'Deploy' }).click();
  for (const s of world.services) {
    await expect(page.getByTestId(`node-${s.id}`)).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  }
}

/** Pixels of the dot overlay that are not transparent (dots drawn in the last animation frame). */
const dotPixels = (page: Page) =>
  page.locator('canvas.dw-particles').evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) drawn++;
    return drawn;
  });

/** A world without random errors, so that what a test reads is never a coin toss. */
function steady(world: World, name: string): World {
  const copy = structuredClone(world);
  copy.name = name;
  for (const service of copy.services) if (service.kind === 'service') service.config.errorRate = 0;
  return copy;
}

test("an intruder's certificate panel says it serves nothing and shows the credential it calls with", async ({
  page,
}, testInfo) => {
  const world = { ...fixtureWorld('intruders'), name: 'intruders in the panel' };
  const worldId = await openNewWorld(page, world);
  try {
    await deploy(page, world);
    const panel = page.getByTestId('certificate-panel');

    await page.getByTestId('node-nocert').click();
    // once the panel has its answer, it is not a failed handshake with a process that listens for no one
    await expect(panel).toContainText(/serves nothing|could not read/);
    await expect(panel).not.toContainText(/ECONNREFUSED|could not read/);
    await expect(panel.getByTestId('cert-serves-nothing')).toContainText('nocert serves nothing');
    await expect(panel.getByTestId('cert-credential')).toHaveAttribute('data-credential', 'none');
    await expect(panel).toContainText('no certificate at all');
    await expect(panel).not.toContainText(/ECONNREFUSED|could not read/);

    // one with a certificate of its own: the controller shows the one it issued it (a valid one, never linked)
    await page.getByTestId('node-sneak').click();
    await expect(panel.getByTestId('cert-credential')).toHaveAttribute('data-credential', 'own');
    await expect(panel).toContainText(`spiffe://${worldId}/sneak`);
    await expect(panel.getByTestId('cert-fingerprint')).toHaveText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await expect(panel).not.toContainText(/ECONNREFUSED|could not read/);

    // an expired one counts down into the past
    await page.getByTestId('node-stale').click();
    await expect(panel.getByTestId('cert-credential')).toHaveAttribute('data-credential', 'expired');
    await expect(panel.getByTestId('cert-countdown')).toContainText('expired');
    await panel.scrollIntoViewIfNeeded();
    await shot(page, testInfo, 'intruder-certificate');

    // an impostor serves (in another's name): its panel reads the certificate from a handshake, as any service's
    await page.getByTestId('node-mallory').click();
    await expect(panel.getByTestId('cert-serial')).toBeVisible();
    await expect(panel.getByTestId('cert-serves-nothing')).toHaveCount(0);
  } finally {
    await stop(worldId);
  }
});

test('a world opened while another runs shows no leftover dots', async ({ page }) => {
  // the same boxes in both worlds, so a leftover dot would have somewhere to be drawn
  const quiet = await create(steady(FAN_WORLD, 'quiet copy'));
  const running = steady(FAN_WORLD, 'busy original');
  const worldId = await openNewWorld(page, running);
  try {
    await deploy(page, running);
    await expect.poll(() => dotPixels(page), { timeout: 10_000 }).toBeGreaterThan(0); // the measure sees dots

    await page.getByLabel('Open world').selectOption(quiet.id);
    await expect(page.locator(`[data-world-id="${quiet.id}"]`)).toBeVisible();
    const seen: number[] = [];
    for (let i = 0; i < 15; i++) {
      seen.push(await dotPixels(page));
      await page.waitForTimeout(100);
    }
    expect(seen, 'dot pixels every 100 ms after the switch').toEqual(seen.map(() => 0));
    const alive = await page.evaluate(
      () => (window as { __dwParticleStats?: { alive: number } }).__dwParticleStats?.alive,
    );
    expect(alive).toBe(0);
  } finally {
    await stop(worldId);
  }
});

test("a running node's inspector shows live first, and another node's starts at the top", async ({
  page,
}, testInfo) => {
  const world = steady(FAN_WORLD, 'inspector order');
  const worldId = await openNewWorld(page, world);
  try {
    await deploy(page, world);
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await page.getByTestId('node-orders').click();
    const live = inspector.getByRole('region', { name: 'Live' });
    await expect(live).toBeInViewport();
    const liveTop = (await live.boundingBox())?.y ?? Number.POSITIVE_INFINITY;
    const fieldTop = (await inspector.getByLabel('Latency (ms)').boundingBox())?.y ?? 0;
    expect(liveTop).toBeLessThan(fieldTop);
    await shot(page, testInfo, 'running-node-inspector');

    // scrolled down in orders, then payments selected: its panel starts at the top
    await inspector.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    expect(await inspector.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    await page.getByTestId('node-payments').click();
    await expect(inspector.getByRole('heading', { name: 'payments' })).toBeVisible();
    await expect.poll(() => inspector.evaluate((el) => el.scrollTop)).toBe(0);
  } finally {
    await stop(worldId);
  }
});

test('a sampled message clicked opens the trace of the row clicked, however many arrive meanwhile', async ({
  page,
}) => {
  const world = steady(EXAMPLE_WORLD, 'held messages');
  const worldId = await openNewWorld(page, world);
  try {
    await deploy(page, world);
    await page.locator('.react-flow__edge[data-id="l1"]').click({ force: true });
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    const rows = inspector.locator('.dw-messages').getByRole('button');
    await expect(rows).toHaveCount(6, { timeout: 15_000 });
    await inspector.locator('.dw-messages').scrollIntoViewIfNeeded();
    const row = rows.nth(2);
    const box = await row.boundingBox();
    if (!box) throw new Error('the third message is not visible');
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.waitForTimeout(300); // a person's pointer rests a moment before reading the row
    // the row the pointer rests on (the panel may have settled a row up or down since it was measured): its
    // trace id, of which the row shows the first 8 characters
    const underPointer = () =>
      page.evaluate(
        ([px, py]) =>
          document
            .elementFromPoint(px as number, py as number)
            ?.closest('[data-trace-id]')
            ?.getAttribute('data-trace-id') ?? null,
        [x, y],
      );
    const chosenId = await underPointer();
    expect(chosenId).toMatch(/^[0-9a-f]{32}$/);
    const chosen = (chosenId as string).slice(0, 8);
    await expect(inspector.locator(`[data-trace-id="${chosenId}"] code`)).toHaveText(chosen);
    // samples keep arriving (several a second on this link) while the pointer rests on the row: it stays put
    await page.waitForTimeout(2_500);
    expect(await underPointer()).toBe(chosenId);
    await page.mouse.click(x, y);
    await expect(page.getByTestId('trace-waterfall').locator('.dw-trace__id')).toHaveText(new RegExp(`^${chosen}`));
    await page.getByRole('button', { name: 'Close trace' }).click();
    // the list said why it held still, and that newer ones wait
    await page.mouse.move(x, y);
    await expect(page.getByTestId('messages-held')).toContainText(/newer/, { timeout: 5_000 });
    await page.mouse.move(5, 5);
    await expect(page.getByTestId('messages-held')).toHaveCount(0);
  } finally {
    await stop(worldId);
  }
});

test('deleting a node that runs asks first; an undo back to what runs says the world matches it', async ({
  page,
}, testInfo) => {
  const world = steady(FAN_WORLD, 'delete while running');
  const worldId = await openNewWorld(page, world);
  try {
    await deploy(page, world);
    const rev = page.getByTestId('deployed-rev');
    await expect(rev).not.toContainText('edits not deployed');

    await page.getByTestId('node-payments').click();
    await page.getByRole('button', { name: 'Delete service' }).click();
    const dialog = page.getByTestId('delete-running');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('payments runs now');
    await expect(dialog).toContainText('keeps running');
    await shot(page, testInfo, 'delete-running-node');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('node-payments')).toBeVisible();

    // the Delete key asks the same
    await page.getByTestId('node-payments').click();
    await page.locator('.react-flow__pane').focus();
    await page.getByTestId('node-payments').click();
    await page.keyboard.press('Delete');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Delete from the drawing' }).click();
    await expect(page.getByTestId('node-payments')).toHaveCount(0);
    await expect(rev).toContainText('edits not deployed');
    await expect(page.getByTestId('unsaved-mark')).toHaveCount(0, { timeout: 10_000 }); // autosave landed

    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect(page.getByTestId('node-payments')).toBeVisible();
    await expect(rev).toHaveAttribute('data-behind', 'false');
    await expect(rev).not.toContainText('edits not deployed');
    await expect(rev).toContainText('as drawn');
    await expect(page.getByTestId('unsaved-mark')).toHaveCount(0, { timeout: 10_000 }); // saved again: rev 3
    await expect(rev).toContainText('as drawn');
  } finally {
    await stop(worldId);
  }
});

test('Play says what it will do and why it cannot, names links by their ends, and shows its verdict in view', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const world = steady(FAN_WORLD, 'play with reasons');
  world.scenarios = [
    {
      name: 'slow payments',
      durationS: 4,
      steps: [
        { atS: 1, do: 'fault', fault: { kind: 'latency', linkId: 'l2', ms: 100 } },
        { atS: 3, do: 'heal' },
      ],
      assertions: ['errors(shopper) < 50%'],
    },
  ];
  const worldId = await openNewWorld(page, world);
  try {
    const panel = page.getByRole('region', { name: 'Scenarios' });
    const play = panel.getByRole('button', { name: 'Play slow payments' });
    const note = panel.getByTestId('play-note-0');

    // every choice of every dropdown shows whole ("heal (all faults)", "orders → payments")
    const cut = await panel.locator('select').evaluateAll((selects) =>
      (selects as HTMLSelectElement[]).flatMap((select) => {
        const style = getComputedStyle(select);
        const ctx = document.createElement('canvas').getContext('2d');
        if (!ctx) return [];
        ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = select.options[select.selectedIndex]?.text ?? '';
        // the text, the paddings and the arrow Chromium draws for a native select
        const needs = ctx.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 18;
        return needs > select.clientWidth
          ? [`${select.getAttribute('aria-label')}: "${text}" needs ${Math.ceil(needs)} px, has ${select.clientWidth}`]
          : [];
      }),
    );
    expect(cut).toEqual([]);

    // an edit not yet saved does not grey Play out: Play saves it first, and says so before it is pressed
    await panel.getByLabel('Runs for').fill('5');
    await expect(page.getByTestId('unsaved-mark')).toBeVisible();
    await expect(play).toBeEnabled();
    await expect(note).toContainText('saves your edits');
    await expect(note).toContainText('deploys the world (nothing runs now)');

    // an invalid scenario: disabled, and the reason is on the page, not only in a tooltip
    await panel.getByLabel('Runs for').fill('0');
    await expect(play).toBeDisabled();
    await expect(note).toContainText('Fix the problems of this scenario');
    await panel.getByLabel('Runs for').fill('5');
    await expect(play).toBeEnabled();

    await play.click();
    const run = page.getByTestId('scenario-run');
    await expect(run).toHaveAttribute('data-done', 'true', { timeout: 60_000 });
    await expect(run).toContainText('+100 ms on link orders → payments');
    await expect(run).not.toContainText('link l2');
    const verdict = page.getByTestId('scenario-verdict');
    await expect(verdict).toContainText('Passed');
    await expect(verdict).toBeInViewport();
    await shot(page, testInfo, 'scenario-verdict');

    // the world runs as drawn now: Play would restart nothing, and says so
    await expect(note).toContainText('nothing restarts');
    expect(await numberAttr(page.locator('.dw-app'), 'data-deployed-rev')).toBeGreaterThan(0);
  } finally {
    await stop(worldId);
  }
});
