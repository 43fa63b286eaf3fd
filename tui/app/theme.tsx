import { Text } from "ink";
import { createContext, type ReactNode, useContext } from "react";
import type { CellState } from "./layout.js";

/** Colour on or off for the whole app (off with NO_COLOR or outside a TTY); glyphs carry the meaning. */
export const ColourContext = createContext(true);

const STATE_COLOURS: Record<CellState, string> = {
  queued: "gray",
  running: "cyan",
  retrying: "yellow",
  done: "green",
  failed: "red",
  partial: "greenBright",
};

export function Tone({
  state,
  children,
  bold,
}: {
  state?: CellState | "error" | "title";
  children: ReactNode;
  bold?: boolean;
}) {
  const colour = useContext(ColourContext);
  const color =
    !colour || state === undefined
      ? undefined
      : state === "error"
        ? "red"
        : state === "title"
          ? "magenta"
          : STATE_COLOURS[state];
  return (
    <Text {...(color ? { color } : {})} {...(bold && colour ? { bold: true } : {})}>
      {children}
    </Text>
  );
}
