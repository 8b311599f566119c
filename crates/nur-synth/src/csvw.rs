//! A minimal, fast CSV writer: one buffered file per table, RFC 4180 quoting only where a
//! field needs it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub struct CsvFile {
    out: BufWriter<File>,
    pub rows: u64,
}

impl CsvFile {
    pub fn create(path: &Path, header: &[&str]) -> std::io::Result<CsvFile> {
        let mut f = CsvFile {
            out: BufWriter::with_capacity(1 << 20, File::create(path)?),
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

    pub fn finish(mut self) -> std::io::Result<u64> {
        self.out.flush()?;
        Ok(self.rows)
    }
}
