import { beforeEach } from 'vitest';

/**
 * Notes whether any test of the file failed, so teardown keeps the hub processes' output for
 * the failure message's file paths and deletes it otherwise. Call at the top level of a test file.
 */
export const trackFailures = (): { readonly failed: boolean } => {
  const state = { failed: false };
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      state.failed = true;
    });
  });
  return state;
};
