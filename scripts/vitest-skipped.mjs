// A vitest reporter for `npm test`: writes every test that did not run (skipped, todo) with its reason to the
// file named by DW_SKIPPED_FILE, as [{ file, name, reason }], so that the summary can name each one. A reason is
// the note of a dynamic `ctx.skip(note)` (or `ctx.skip(condition, note)`); a static it.skip/skipIf has none.
import { writeFileSync } from 'node:fs';

export default class SkippedTestsReporter {
  onTestRunEnd(testModules) {
    const file = process.env.DW_SKIPPED_FILE;
    if (!file) return;
    const skipped = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        skipped.push({
          file: module.relativeModuleId ?? module.moduleId,
          name: test.fullName,
          reason: result.note || (test.options.mode === 'todo' ? 'todo' : null),
        });
      }
    }
    writeFileSync(file, `${JSON.stringify(skipped, null, 2)}\n`);
  }
}
