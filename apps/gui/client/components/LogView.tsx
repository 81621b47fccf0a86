// One attempt's stdout or stderr, as it is written. It never loads a capture whole: it opens
// on the last 256 KiB, reads on from there (live step-output events when the executor sends
// them, a byte-range poll otherwise), keeps at most ~2 MiB of text in the page by dropping
// from the top, and reads earlier parts on request. The text goes into the <pre> as DOM text
// nodes appended in place, so a busy step costs an append, not a re-render of megabytes.
import { useCallback, useEffect, useRef, useState } from "react";
import { CaptureRangeHeaders } from "../../src/capture-headers.js";
import { ApiFailure, apiBytes, describeError, formatBytes, runPath } from "../api.js";
import type { OutputChunk, RunModel } from "../run-model.js";

const TAIL_BYTES = 256 * 1024;
const READ_BYTES = 1024 * 1024;
const KEEP_CHARS = 2 * 1024 * 1024;
const POLL_MS = 1000;

interface Props {
  model: RunModel;
  stepId: string;
  stream: "out" | "err";
  /** 1-based attempt; undefined for the latest. */
  attempt: number | undefined;
  /** The step is running: keep reading. */
  running: boolean;
}

interface Window {
  start: number;
  end: number;
  size: number;
  seq: number | null;
}

export function LogView({ model, stepId, stream, attempt, running }: Props) {
  const pre = useRef<HTMLPreElement>(null);
  const win = useRef<Window>({ start: 0, end: 0, size: 0, seq: null });
  /** Characters in the <pre>. */
  const shown = useRef(0);
  const decoder = useRef(new TextDecoder());
  const [info, setInfo] = useState<Window & { loaded: boolean }>({
    start: 0,
    end: 0,
    size: 0,
    seq: null,
    loaded: false,
  });
  const [error, setError] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(true);
  followRef.current = follow;
  const busy = useRef(false);

  const publish = useCallback(() => setInfo({ ...win.current, loaded: true }), []);

  const append = useCallback((text: string) => {
    const element = pre.current;
    if (!element || text === "") return;
    element.append(document.createTextNode(text));
    // Keep the page light: drop whole text nodes from the top once it holds too much. The
    // count is kept, not read: textContent would join megabytes on every append.
    shown.current += text.length;
    while (
      shown.current > KEEP_CHARS &&
      element.firstChild &&
      element.firstChild !== element.lastChild
    ) {
      const dropped = element.firstChild.textContent ?? "";
      shown.current -= dropped.length;
      win.current.start += new TextEncoder().encode(dropped).length;
      element.firstChild.remove();
    }
    if (followRef.current) element.scrollTop = element.scrollHeight;
  }, []);

  const query = useCallback(
    (rest: string) =>
      runPath(
        model.runId,
        `/steps/${encodeURIComponent(stepId)}/captures?stream=${stream}${attempt ? `&attempt=${attempt}` : ""}&${rest}`,
      ),
    [model.runId, stepId, stream, attempt],
  );

  // Reads on from the end of what is shown.
  const readOn = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      const { bytes, headers } = await apiBytes(
        query(`offset=${win.current.end}&length=${READ_BYTES}`),
      );
      const offset = Number(headers.get(CaptureRangeHeaders.offset));
      win.current.size = Number(headers.get(CaptureRangeHeaders.size));
      if (offset === win.current.end && bytes.length > 0) {
        win.current.end += bytes.length;
        append(decoder.current.decode(bytes, { stream: true }));
      }
      setError(null);
      publish();
    } catch (failure) {
      if (!(failure instanceof ApiFailure && failure.code === "E_NO_CAPTURE"))
        setError(describeError(failure));
    } finally {
      busy.current = false;
    }
  }, [query, append, publish]);

  // Opens on the tail.
  useEffect(() => {
    const element = pre.current;
    if (!element) return;
    element.replaceChildren();
    shown.current = 0;
    win.current = { start: 0, end: 0, size: 0, seq: null };
    decoder.current = new TextDecoder();
    setInfo({ start: 0, end: 0, size: 0, seq: null, loaded: false });
    setError(null);
    let cancelled = false;
    void (async () => {
      try {
        const { bytes, headers } = await apiBytes(query(`tail=${TAIL_BYTES}`));
        if (cancelled) return;
        const offset = Number(headers.get(CaptureRangeHeaders.offset));
        win.current = {
          start: offset,
          end: offset + bytes.length,
          size: Number(headers.get(CaptureRangeHeaders.size)),
          seq: Number(headers.get(CaptureRangeHeaders.seq)),
        };
        let text = decoder.current.decode(bytes, { stream: true });
        if (offset > 0) {
          // Start on a whole line: the cut may fall inside one (or inside a character).
          const newline = text.indexOf("\n");
          if (newline >= 0 && newline < 4096) {
            win.current.start += new TextEncoder().encode(text.slice(0, newline + 1)).length;
            text = text.slice(newline + 1);
          }
        }
        append(text);
        publish();
      } catch (failure) {
        if (cancelled) return;
        if (failure instanceof ApiFailure && failure.code === "E_NO_CAPTURE") publish();
        else setError(describeError(failure));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [query, append, publish]);

  // Live chunks from the executor; a gap (a chunk past the end) is filled by a read.
  useEffect(
    () =>
      model.onOutput((chunk: OutputChunk) => {
        if (chunk.stepId !== stepId || chunk.stream !== (stream === "out" ? "stdout" : "stderr"))
          return;
        const current = win.current;
        if (current.seq !== null && chunk.captureSeq !== current.seq) return;
        if (chunk.offset === current.end && !busy.current) {
          current.end += chunk.bytes;
          current.size = Math.max(current.size, current.end);
          append(chunk.data);
          publish();
        } else if (chunk.offset > current.end) void readOn();
      }),
    [model, stepId, stream, append, publish, readOn],
  );

  // A running step's capture grows: poll it (the live channel may carry no output: another
  // host's run, or a socket-less reader), and read once more when it stops running.
  useEffect(() => {
    if (!info.loaded) return;
    if (!running) {
      void readOn();
      return;
    }
    const timer = setInterval(() => void readOn(), POLL_MS);
    return () => clearInterval(timer);
  }, [running, info.loaded, readOn]);

  const loadEarlier = async () => {
    const element = pre.current;
    if (!element || win.current.start === 0) return;
    const from = Math.max(0, win.current.start - TAIL_BYTES);
    try {
      const { bytes } = await apiBytes(query(`offset=${from}&length=${win.current.start - from}`));
      let text = new TextDecoder().decode(bytes);
      let start = from;
      if (from > 0) {
        const newline = text.indexOf("\n");
        if (newline >= 0 && newline < 4096) {
          start += new TextEncoder().encode(text.slice(0, newline + 1)).length;
          text = text.slice(newline + 1);
        }
      }
      const height = element.scrollHeight;
      element.prepend(document.createTextNode(text));
      shown.current += text.length;
      element.scrollTop += element.scrollHeight - height;
      win.current.start = start;
      setFollow(false);
      publish();
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <div className="log" data-stream={stream}>
      <div className="log-bar">
        <span className="log-range" data-size={info.size}>
          {!info.loaded
            ? "loading…"
            : info.size === 0 && info.end === 0
              ? "empty"
              : info.start > 0
                ? `last ${formatBytes(info.end - info.start)} of ${formatBytes(info.size)}`
                : formatBytes(info.size)}
        </span>
        {info.start > 0 ? (
          <button type="button" className="link" onClick={() => void loadEarlier()}>
            Show earlier
          </button>
        ) : null}
        <label className="follow">
          <input
            type="checkbox"
            checked={follow}
            onChange={(event) => setFollow(event.target.checked)}
          />{" "}
          Follow
        </label>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <pre
        ref={pre}
        role="log"
        className="log-text"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolled log must be reachable by keyboard
        tabIndex={0}
        aria-label={`${stream === "out" ? "stdout" : "stderr"} of ${stepId}`}
        onScroll={(event) => {
          const element = event.currentTarget;
          const atEnd = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
          if (atEnd !== followRef.current) setFollow(atEnd);
        }}
      />
    </div>
  );
}
