/**
 * A whole number kept as text in localStorage, or null when it is missing, misspelt or outside
 * min…max (another version of the app, or a person, may have written anything there).
 */
export function readStoredWholeNumber(
  storage: Storage,
  key: string,
  min: number,
  max: number,
): number | null {
  const text = storage.getItem(key);
  if (text === null || !/^\d{1,6}$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}
