// The anomaly finders, one per family. Adding an anomaly: write a finder (finders/*.ts), add it
// here, add its type(s) to ANOMALY_TYPES and a row to MODE_TABLE (modes.ts).

import type { Finder } from "./finders/common.ts";
import { cycleFinder } from "./finders/cycles.ts";
import { doubleConsumeFinder } from "./finders/double-consume.ts";
import { g1aFinder } from "./finders/g1a.ts";
import { intPollFinder } from "./finders/int-poll.ts";
import { intSendFinder } from "./finders/int-send.ts";
import { lostWriteFinder } from "./finders/lost-write.ts";
import { pollOrderFinder } from "./finders/poll-order.ts";
import { precommittedReadFinder } from "./finders/precommitted-read.ts";
import { sendOrderFinder } from "./finders/send-order.ts";
import { stuckFinder } from "./finders/stuck.ts";
import { truncatedLogFinder } from "./finders/truncated-log.ts";
import { unseenFinder } from "./finders/unseen.ts";
import { versionOrderFinder } from "./finders/version-order.ts";

export const FINDERS: readonly Finder[] = [
  versionOrderFinder,
  lostWriteFinder,
  unseenFinder,
  truncatedLogFinder,
  stuckFinder,
  g1aFinder,
  precommittedReadFinder,
  doubleConsumeFinder,
  pollOrderFinder,
  intPollFinder,
  sendOrderFinder,
  intSendFinder,
  cycleFinder,
];

export type { Finder, FinderContext } from "./finders/common.ts";
