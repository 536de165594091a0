//! File exports (CSL-JSON, BibTeX/BibLaTeX, RIS) written as they are
//! rendered: the works are read in the library's row order, each rendered
//! on a second thread into a [`Spool`] as it comes, and the spool written
//! in the export's order. A million works are held as their rendered text
//! (the size of the file), never as a million items (ADR 0013).

use std::io::Write;

use ibid_core::store::{CslItems, WorkRead};
use ibid_core::Library;
use serde_json::{Map, Value};

use crate::bibtex::{self, BibOptions};
use crate::{citekey, ris};

/// Rendered entries, each at its position in the output, added in any
/// order. The text goes into blocks of [`BLOCK`] bytes, so a growing spool
/// never copies what it holds (one growing buffer copied and faulted in
/// its whole size at every doubling: a fifth of an export's time).
#[derive(Debug, Default)]
pub struct Spool {
    blocks: Vec<String>,
    spans: Vec<Span>,
    filled: usize,
}

/// An entry's text: `blocks[block][start..end]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    block: u32,
    start: u32,
    end: u32,
}

const EMPTY: Span = Span { block: u32::MAX, start: 0, end: 0 };

/// Bytes per block of a [`Spool`].
const BLOCK: usize = 4 << 20;

/// An entry is started in a fresh block when less than this is left.
const ROOM: usize = 64 << 10;

impl Spool {
    /// A spool for `n` positions, none filled yet.
    pub fn new(n: usize) -> Self {
        Spool { blocks: Vec::new(), spans: vec![EMPTY; n], filled: 0 }
    }

    /// Positions (filled or not).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Positions filled.
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// Renders position `at` with `render`, which appends to the buffer it
    /// is given (and may read back what it appended from `start`, the
    /// buffer's length before). Returns the entry's text.
    pub fn add(&mut self, at: usize, render: impl FnOnce(&mut String)) -> &str {
        if self.blocks.last().is_none_or(|b| b.capacity() - b.len() < ROOM || b.len() >= u32::MAX as usize - BLOCK) {
            self.blocks.push(String::with_capacity(BLOCK));
        }
        let block = self.blocks.len() - 1;
        let buf = &mut self.blocks[block];
        let start = buf.len();
        render(buf);
        if self.spans[at] == EMPTY {
            self.filled += 1;
        }
        self.spans[at] = Span { block: block as u32, start: start as u32, end: buf.len() as u32 };
        &buf[start..]
    }

    /// The text at a position (`None`: not filled).
    pub fn get(&self, at: usize) -> Option<&str> {
        let s = self.spans.get(at).filter(|s| **s != EMPTY)?;
        Some(&self.blocks[s.block as usize][s.start as usize..s.end as usize])
    }

    /// Whether a position is filled.
    pub fn has(&self, at: usize) -> bool {
        self.spans.get(at).is_some_and(|s| *s != EMPTY)
    }

    /// Spools of the same positions, each filled in part, as one.
    pub fn merge(parts: Vec<Spool>) -> Spool {
        let n = parts.iter().map(Spool::len).max().unwrap_or(0);
        let mut out = Spool::new(n);
        for p in parts {
            let shift = out.blocks.len() as u32;
            for (at, s) in p.spans.into_iter().enumerate().filter(|(_, s)| *s != EMPTY) {
                if out.spans[at] == EMPTY {
                    out.filled += 1;
                }
                out.spans[at] = Span { block: s.block + shift, ..s };
            }
            out.blocks.extend(p.blocks);
        }
        out
    }

    /// `other`'s positions after this one's.
    pub fn append(&mut self, other: Spool) {
        let shift = self.blocks.len() as u32;
        self.blocks.extend(other.blocks);
        self.filled += other.filled;
        self.spans.extend(other.spans.into_iter().map(|s| if s == EMPTY { s } else { Span { block: s.block + shift, ..s } }));
    }

    /// The filled positions' text in position order, `sep` between them.
    pub fn write_to(&self, out: &mut dyn Write, sep: &str) -> std::io::Result<()> {
        let mut first = true;
        for at in 0..self.spans.len() {
            let Some(text) = self.get(at) else { continue };
            if !first {
                out.write_all(sep.as_bytes())?;
            }
            first = false;
            out.write_all(text.as_bytes())?;
        }
        Ok(())
    }
}

/// serde_json's pretty printing (two spaces), starting one level in: an
/// item as it stands in the pretty-printed array, written straight into
/// the spool.
struct ItemFormatter {
    level: usize,
    has_value: bool,
}

impl ItemFormatter {
    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ItemFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// One CSL-JSON item as it stands in the pretty-printed array of
/// [`ibid_core::export::csl_json`]: indented one level, no trailing comma.
pub fn csl_json_entry(out: &mut String, item: &Map<String, Value>) {
    use serde::Serialize;
    let mut bytes = Vec::with_capacity(2048);
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, ItemFormatter { level: 1, has_value: false });
    item.serialize(&mut ser).expect("a JSON map always serializes into memory");
    out.push_str("  ");
    out.push_str(std::str::from_utf8(&bytes).expect("serde_json writes UTF-8"));
}

/// Writes CSL-JSON entries (see [`csl_json_entry`]) as the array
/// [`ibid_core::export::csl_json`] gives for the same items.
pub fn write_csl_json(spool: &Spool, out: &mut dyn Write) -> std::io::Result<()> {
    if spool.filled() == 0 {
        return out.write_all(b"[]\n");
    }
    out.write_all(b"[\n")?;
    spool.write_to(out, ",\n")?;
    out.write_all(b"\n]\n")
}

/// The file formats [`write_works`] writes.
#[derive(Debug, Clone, PartialEq)]
pub enum FileFormat {
    CslJson,
    Ris,
    /// BibTeX or BibLaTeX; works without a citation key get one from the
    /// pattern (assigned once and stored).
    Bibtex { opts: BibOptions, key_pattern: String },
}

impl FileFormat {
    /// `csl-json`, `ris`, `bibtex` or `biblatex`; `None` for a styled
    /// format (a bibliography: the style needs every item at once).
    pub fn from_name(name: &str, latex_accents: bool, key_pattern: &str) -> Option<FileFormat> {
        match name {
            "csl-json" => Some(FileFormat::CslJson),
            "ris" => Some(FileFormat::Ris),
            "bibtex" | "biblatex" => Some(FileFormat::Bibtex {
                opts: BibOptions { biblatex: name == "biblatex", unicode: !latex_accents },
                key_pattern: key_pattern.to_string(),
            }),
            _ => None,
        }
    }
}

enum Sink {
    Json(Spool),
    Ris(Spool),
    Bib(bibtex::Entries),
}

impl Sink {
    fn new(format: &FileFormat, n: usize) -> Sink {
        match format {
            FileFormat::CslJson => Sink::Json(Spool::new(n)),
            FileFormat::Ris => Sink::Ris(Spool::new(n)),
            FileFormat::Bibtex { opts, .. } => Sink::Bib(bibtex::Entries::new(n, *opts)),
        }
    }

    fn add(&mut self, at: usize, item: &Map<String, Value>) {
        match self {
            Sink::Json(s) => {
                s.add(at, |out| csl_json_entry(out, item));
            }
            Sink::Ris(s) => {
                s.add(at, |out| ris::write_item_into(out, item));
            }
            Sink::Bib(e) => e.add(at, item),
        }
    }

    /// The renderers' sinks (all of one kind) as one.
    fn merge(parts: Vec<Sink>) -> Sink {
        let spools = |parts: Vec<Sink>| -> Vec<Spool> {
            parts.into_iter().filter_map(|p| if let Sink::Json(s) | Sink::Ris(s) = p { Some(s) } else { None }).collect()
        };
        match parts.first() {
            Some(Sink::Bib(_)) => Sink::Bib(bibtex::Entries::merge(
                parts.into_iter().filter_map(|p| if let Sink::Bib(e) = p { Some(e) } else { None }).collect(),
            )),
            Some(Sink::Ris(_)) => Sink::Ris(Spool::merge(spools(parts))),
            _ => Sink::Json(Spool::merge(spools(parts))),
        }
    }
}

/// Works travel from the reading thread to a rendering one this many at a time.
const BATCH: usize = 256;

/// Writes the works `ids` of `lib`, in that order, to `out` as `format`.
/// The library is read on this thread while one renderer per core makes
/// the items and renders them; BibTeX citation keys missing from the
/// library are assigned (one transaction) before anything is written.
/// Returns how many entries were written.
pub fn write_works(lib: &mut Library, ids: &[i64], format: &FileFormat, out: &mut dyn Write) -> ibid_core::Result<usize> {
    let n = ids.len();
    let renderers = if n < 4 * BATCH { 1 } else { std::thread::available_parallelism().map_or(1, |c| c.get()).clamp(1, 4) };
    let shared: &Library = lib;
    let (read, sink) = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..renderers {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<WorkRead>>(4);
            let sink = Sink::new(format, n);
            let handle = std::thread::Builder::new()
                .name("ibid-export".into())
                .spawn_scoped(scope, move || {
                    let mut sink = sink;
                    let mut items = CslItems::default();
                    let mut add = |at: usize, item: Map<String, Value>| {
                        sink.add(at, &item);
                        Ok(())
                    };
                    for batch in rx {
                        for read in batch {
                            items.take(read, &mut add).expect("adding to the spool does not fail");
                        }
                    }
                    sink
                })
                .map_err(|e| ibid_core::Error::io("cannot start the export's rendering threads", e))?;
            senders.push(tx);
            handles.push(handle);
        }
        // Each renderer takes a batch of works in turn; every renderer gets
        // every container (before the works in it: a channel keeps order).
        let mut batches: Vec<Vec<WorkRead>> = (0..renderers).map(|_| Vec::with_capacity(BATCH)).collect();
        let mut turn = 0;
        let mut works_in_turn = 0;
        let read = shared.read_works(ids, |read| {
            match read {
                WorkRead::Container(id, w) if renderers > 1 => {
                    for b in &mut batches[1..] {
                        b.push(WorkRead::Container(id, w.clone()));
                    }
                    batches[0].push(WorkRead::Container(id, w));
                }
                other => {
                    batches[turn].push(other);
                    works_in_turn += 1;
                }
            }
            if works_in_turn == BATCH {
                // A renderer gone is a panic, which the join below re-raises.
                let _ = senders[turn].send(std::mem::replace(&mut batches[turn], Vec::with_capacity(BATCH)));
                turn = (turn + 1) % renderers;
                works_in_turn = 0;
            }
            Ok(())
        });
        for (tx, batch) in senders.iter().zip(batches) {
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
        }
        drop(senders);
        let sinks: Vec<Sink> = handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect();
        Ok::<_, ibid_core::Error>((read, Sink::merge(sinks)))
    })?;
    read?;
    let io = |e| ibid_core::Error::io("cannot write the export", e);
    match sink {
        Sink::Json(s) => write_csl_json(&s, out).map_err(io)?,
        Sink::Ris(s) => s.write_to(out, "").map_err(io)?,
        Sink::Bib(mut entries) => {
            let FileFormat::Bibtex { key_pattern, .. } = format else { unreachable!("a BibTeX sink for BibTeX") };
            let missing = entries.without_key();
            if !missing.is_empty() {
                let missing_ids: Vec<i64> = missing.iter().map(|&at| ids[at]).collect();
                let generate = |item: &Map<String, Value>| citekey::generate(item, key_pattern);
                let items = lib.items_with_citation_keys(&missing_ids, &generate, &citekey::unique)?;
                for (at, item) in missing.into_iter().zip(&items) {
                    if let Some(key) = item.get("citation-key").and_then(Value::as_str) {
                        entries.set_key(at, key);
                    }
                }
            }
            entries.write_to(out).map_err(io)?;
        }
    }
    Ok(n)
}

/// [`write_works`] into the file `path`, atomically (a temporary file beside
/// it, fsynced, renamed over it: [`ibid_core::export::write_atomic_with`]),
/// through a 1 MB buffer. What `ibid export -o` and the desktop's Save use.
pub fn write_works_to_file(lib: &mut Library, ids: &[i64], format: &FileFormat, path: &std::path::Path) -> ibid_core::Result<usize> {
    ibid_core::export::write_atomic_with(path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let n = write_works(lib, ids, format, &mut w)?;
        w.flush().map_err(|e| ibid_core::Error::io(format!("cannot write {}", path.display()), e))?;
        Ok(n)
    })
}
