// Backend error codes → messages that say what happened and what to do.

export interface Explained {
  title: string;
  hint: string;
}

const HINTS: Record<string, Explained> = {
  not_found: { title: 'Not found', hint: 'It may have been deleted or moved to the Trash. Refresh the list and try again.' },
  invalid_input: { title: 'That value was not accepted', hint: 'Check the value and try again.' },
  bad_arguments: { title: 'The request was malformed', hint: 'This is a bug in Ibid; please report it with what you were doing.' },
  bad_file: { title: 'The file could not be read', hint: 'Check that it is a BibTeX, RIS or CSL-JSON file, saved as UTF-8 text, and try again.' },
  unknown_style: { title: 'Unknown citation style', hint: 'Pick a style from the list in Export.' },
  bad_style: { title: 'The style could not be read', hint: 'Check the .csl file, or pick a style from the list.' },
  unknown_parent_style: { title: 'The style depends on a style Ibid does not have', hint: 'Use the parent style’s .csl file, or pick a style from the list.' },
  unknown_locale: { title: 'Unknown language', hint: 'Pick a language from the list in Export.' },
  unknown_format: { title: 'Unknown format', hint: 'Pick a format from the list.' },
  no_bibliography: { title: 'This style has no bibliography', hint: 'Pick another style for bibliography entries.' },
  render_failed: { title: 'The citation could not be formatted', hint: 'Check the item’s fields, or try another style.' },
  exists: { title: 'The file exists', hint: 'Choose another name, or replace it.' },
  forbidden_origin: { title: 'Request refused', hint: 'Ibid only answers pages it serves itself. Open Ibid at the address printed by `ibid serve`.' },
  forbidden_host: { title: 'Request refused', hint: 'Open Ibid at the address printed by `ibid serve` (127.0.0.1 or localhost with its port).' },
  payload_too_large: { title: 'The file is too large to send', hint: 'Split it into smaller files, or import it with `ibid import FILE`.' },
  busy: { title: 'The library is busy', hint: 'Another Ibid (the desktop app or `ibid`) is writing to it, e.g. a large import. Try again when it is done.' },
  disk_full: { title: 'The disk is full', hint: 'Nothing was changed. Free some space and try again.' },
  read_only: { title: 'The library is read-only', hint: 'Nothing was changed. Its file or disk cannot be written: you can read and export it; to change it, copy it somewhere writable or make it writable.' },
  database: { title: 'Library database error', hint: 'The library file may be locked by another program or damaged. Close other Ibid windows and try again.' },
  library_too_new: { title: 'Library written by a newer Ibid', hint: 'Upgrade Ibid to open this library.' },
  io: { title: 'File error', hint: 'Check that the file exists and that you may read it.' },
  json: { title: 'Invalid JSON', hint: 'Check the file is valid JSON (CSL-JSON) and try again.' },
  network: { title: 'Cannot reach Ibid', hint: 'Is `ibid serve` still running? Restart it and reload this page.' },
  unknown_command: { title: 'This Ibid does not know that command', hint: 'The window and the program are from different versions: update Ibid.' },
  invalid_shortcut: { title: 'Not a shortcut Ibid can use', hint: 'Write modifiers then one key, e.g. CommandOrControl+Alt+K; it needs Ctrl, Alt or Super (Command).' },
  shortcut_taken: { title: 'That shortcut is taken', hint: 'Another program or the desktop uses it: choose another. The one before still works.' },
  unsupported: { title: 'Not available here', hint: 'This needs the Ibid desktop app.' },
  internal: { title: 'Something went wrong', hint: 'Try again; if it keeps happening, please report it.' },
};

export function explain(code: string): Explained {
  return HINTS[code] ?? { title: 'Something went wrong', hint: 'Try again; if it keeps happening, please report it.' };
}

/** One line for a toast: "Not found: no work with key … Refresh the list …" */
export function errorLine(e: { code: string; message: string }): string {
  const x = explain(e.code);
  return `${x.title}: ${e.message}. ${x.hint}`.replace(/\.\. /, '. ');
}
