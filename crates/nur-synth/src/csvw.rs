//! A minimal, fast CSV writer: one buffered file per table, RFC 4180 quoting only where a
//! field needs it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub struct CsvFile {
    out: BufWriter<Box<dyn Write>>,
    pub rows: u64,
}

impl CsvFile {
    pub fn create(path: &Path, header: &[&str]) -> std::io::Result<CsvFile> {
        CsvFile::to(Box::new(File::create(path)?), 1 << 20, header)
    }

    /// A file that keeps nothing: the survey's households run through the registry
    /// generators (so their facts hang together the same way) without writing any row.
    pub fn discard(header: &[&str]) -> CsvFile {
        CsvFile::to(Box::new(std::io::sink()), 1 << 12, header).expect("a sink cannot fail")
    }

    fn to(inner: Box<dyn Write>, capacity: usize, header: &[&str]) -> std::io::Result<CsvFile> {
        let mut f = CsvFile {
            out: BufWriter::with_capacity(capacity, inner),
            rows: 0,
        };
        f.write_row(header.iter().copied())?;
        f.rows = 0;
        Ok(f)
    }

    pub fn write_row<'a>(
        &mut self,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> std::io::Result<()> {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            if field
                .bytes()
                .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
            {
                self.out.write_all(b"\"")?;
                self.out.write_all(field.replace('"', "\"\"").as_bytes())?;
                self.out.write_all(b"\"")?;
            } else {
                self.out.write_all(field.as_bytes())?;
            }
        }
        self.out.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// A row already joined by commas, none of whose fields needs quoting.
    pub fn write_raw(&mut self, line: &str) -> std::io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        Ok(self.rows)
    }
}
