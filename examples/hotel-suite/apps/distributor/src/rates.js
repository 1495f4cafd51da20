// Room types and nightly rates, in cents.
export const ROOMS = [
  { id: 'classic', name: 'Classic double', rate: 12950 },
  { id: 'superior', name: 'Superior double', rate: 15900 },
  { id: 'suite', name: 'Junior suite', rate: 24500 },
];

export function quote(room, nights) {
  if (!Number.isInteger(nights) || nights < 1) {
    throw new RangeError(`nights must be a positive integer, not ${nights}`);
  }
  return room.rate * nights;
}
