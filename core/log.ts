// The harness logger (pino): structured JSON lines into the run's harness.log, and a readable
// form on the terminal (coloured on a TTY, plain lines otherwise, e.g. in CI).
import fs from "node:fs";
import pino from "pino";
import pretty from "pino-pretty";

export type Logger = pino.Logger;

const consoleStream = () =>
  pretty({
    colorize: process.stderr.isTTY === true,
    destination: 2,
    sync: true,
    translateTime: "HH:MM:ss.l",
    ignore: "pid,hostname,component",
    messageFormat: "{if component}[{component}] {end}{msg}",
  });

const consoleOnly = (): Logger => pino({ level: process.env.KC_LOG_LEVEL ?? "info" }, consoleStream());
// Made on first use, so that importing the library opens no stream.
let root: Logger | undefined;

/** The process-wide logger; `attachRunLog` adds the run's harness.log to it. */
export const log = (): Logger => (root ??= consoleOnly());

/**
 * From now on, also write every log line (at debug level and up) as JSON into `file`, until
 * the returned function is called (the next run of a `--repeat` gets its own file).
 */
export function attachRunLog(file: string): () => void {
  const dest = fs.createWriteStream(file, { flags: "a" });
  root = pino(
    { level: "debug" },
    pino.multistream([
      { level: (process.env.KC_LOG_LEVEL ?? "info") as pino.Level, stream: consoleStream() },
      { level: "debug", stream: dest },
    ]),
  );
  return () => {
    root = consoleOnly();
    dest.end();
  };
}

/** A child logger for one part of the harness, e.g. `component("cluster")`. */
export const component = (name: string): Logger => log().child({ component: name });
