/** Calls `fn` once `ms` have passed without another call; `cancel` drops a pending call. */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: number | undefined;
  const call = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(fn, ms);
  };
  call.cancel = () => window.clearTimeout(timer);
  return call;
}
