/** `1 flow`, `2 flows`, `2 sidecar entries`: every count a person reads agrees with its noun (never "1 input(s)"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
