/*
 * How a lab terminal reaches its VM. A transport carries one console of one
 * VM: output and status in, input, resizes, resets and acknowledgements out.
 * The WebSocket to a lab server (websocket-transport.ts) is one; v86 in
 * the reader's tab (tab-transport.ts) is another. Nothing above this
 * interface (the terminal session, the Run buttons) knows or cares which.
 */
import type {BuildFrame, ConsoleIndex, InstructorNotice, StepProgress, Reason, SourceFile, TerminalState} from '../../../lab/protocol.ts';

/** Reasons the page itself gives, beside the server's (lab/protocol.ts). */
export type PageReason =
  /** A second terminal needs the page's first one started. */
  | 'needs-console-0'
  /** xterm.js could not be loaded (a chunk of an older build, a dropped connection). */
  | 'terminal-load-failed'
  /** The lab in the tab: this browser has no WebAssembly, so v86 cannot run. */
  | 'no-webassembly'
  /** The lab in the tab: its files (v86, the manifest, the BIOS) could not be loaded. */
  | 'load-failed'
  /** The lab in the tab: the saved machine could not be used, so the kernel boots (slowly). */
  | 'cold-boot';

/** What a terminal shows about its lab. */
export interface LabStatus {
  state: TerminalState;
  /** booting: 0..1. */
  progress?: number;
  reason?: Reason | PageReason;
  /** For people, in English; the page shows its own words for `reason` where it has them. */
  message?: string;
  /** exited, panic: the console's last lines. */
  tail?: string;
  retryAfterMs?: number;
}

export interface TransportEvents {
  /** Output for the terminal; the session acknowledges it with ack() once written. */
  output(data: string): void;
  status(status: LabStatus): void;
  /** A build's progress and end. */
  build?(frame: BuildFrame): void;
  /** From a workshop's instructor: watching, a message, a reset to consent to. */
  instructor?(notice: InstructorNotice): void;
}

export interface LabTransport {
  /** Open, or open again after a disconnect: to the same VM while it still exists. */
  open(cols: number, rows: number): void;
  input(data: string): void;
  resize(cols: number, rows: number): void;
  /** Throw the VM away and get a fresh one. */
  reset(): void;
  /** The terminal has processed `chars` more characters of output. */
  ack(chars: number): void;
  /**
   * A transport to another console of the same VM (the page's second
   * terminal), or undefined while this one has no VM to share.
   */
  openConsole(index: ConsoleIndex, events: TransportEvents): LabTransport | undefined;
  /**
   * Build the lesson (the terminal's, or `lesson`) with these sources into
   * the VM; the answers come as `build` events with this `id`. Only where
   * a lab server builds (for the tab: when the page has one), and only
   * while the VM is ready: false when it was not sent.
   */
  build?(id: number, files: SourceFile[], lesson?: string): boolean;
  /** Whether build() can be used at all (the tab's needs a lab server to build on); true when absent. */
  canBuild?(): boolean;
  /** Tell the lab server what the learner did on the page, for a workshop's progress; absent where there is no server. */
  progress?(e: StepProgress): void;
  /** The learner's answer to an instructor's `ask-reset`; absent where there is no server. */
  consent?(given: boolean): void;
  close(): void;
}
