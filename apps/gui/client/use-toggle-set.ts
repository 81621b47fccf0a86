// A set of chosen ids (runs to reconnect, runs to remove) that a checkbox toggles.
import { useCallback, useState } from "react";

export function useToggleSet(): [
  Set<string>,
  (id: string) => void,
  (ids: Iterable<string>) => void,
] {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const toggle = useCallback(
    (id: string) =>
      setChosen((before) => {
        const after = new Set(before);
        if (after.has(id)) after.delete(id);
        else after.add(id);
        return after;
      }),
    [],
  );
  const reset = useCallback((ids: Iterable<string>) => setChosen(new Set(ids)), []);
  return [chosen, toggle, reset];
}
