/** Teardown steps run in reverse order of registration; every step runs even if one fails. */
export class Cleanup {
  readonly #steps: Array<{ name: string; fn: () => Promise<unknown> | unknown }> = [];

  add(name: string, fn: () => Promise<unknown> | unknown): void {
    this.#steps.push({ name, fn });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      if (!step) break;
      try {
        await step.fn();
      } catch (error) {
        failures.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed:\n${failures.join('\n')}`);
  }
}
