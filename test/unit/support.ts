// Shared pieces of the unit tests.
import type { KcError } from "../../core/errors.ts";

/** The error `fn` throws (a KcError, with its code and hint); fails the test when it throws none. */
export const errorOf = (fn: () => unknown): KcError => {
  try {
    fn();
  } catch (e) {
    return e as KcError;
  }
  throw new Error("expected an error");
};
