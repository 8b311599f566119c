//! The official DCI OpenAPI files (`shared/standards/dci/*/latest-2025-12/`) as JSON
//! Schema: every answer NUR sends is validated against the schema of its operation.

use serde_json::Value;
use std::path::PathBuf;

pub(super) struct Schemas {
    schemas: boon::Schemas,
    compiler: boon::Compiler,
}

fn standards() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards/dci");
    assert!(
        p.is_dir(),
        "the DCI standards are beside the project: {}",
        p.display()
    );
    p
}

/// An official file, read from YAML.
pub(super) fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(standards().join(rel)).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// The official sample requests of a registry.
pub(super) fn samples(registry: &str) -> Vec<(String, Value)> {
    let dir = standards().join(registry).join("examples");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("req.json"))
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Schemas {
    pub(super) fn new() -> Schemas {
        let mut compiler = boon::Compiler::new();
        for (url, rel) in [
            (
                "file:///crvs.json",
                "crvs/latest-2025-12/crvs_api_v1.0.0.yaml",
            ),
            (
                "file:///sr.json",
                "social-registry/latest-2025-12/social_api_v1.0.0.yaml",
            ),
            (
                "file:///locations.json",
                "common/locations_core_api_v1.0.0.yaml",
            ),
        ] {
            compiler.add_resource(url, yaml(rel)).unwrap();
        }
        Schemas {
            schemas: boon::Schemas::new(),
            compiler,
        }
    }

    /// Validates `v` against what `path` of `doc` answers (a sync answer, an async ack, an
    /// HTTP error) or, for a callback or notification, the body its receiver's endpoint takes.
    pub(super) fn check(&mut self, doc: &str, path: &str, part: Part, v: &Value) {
        let op = format!("file:///{doc}.json#/paths/{}", pointer_escape(path));
        let component = |name: &str| {
            format!(
                "file:///{doc}.json#/components/responses/{name}/content/application~1json/schema"
            )
        };
        let loc = match part {
            Part::Answer => format!("{op}/post/responses/default/content/application~1json/schema"),
            Part::Ack => component("Response"),
            Part::HttpError => component("HttpErrorResponse"),
            Part::Request => format!("{op}/post/requestBody/content/application~1json/schema"),
            Part::Get => format!("{op}/get/responses/200/content/application~1json/schema"),
        };
        let idx = self
            .compiler
            .compile(&loc, &mut self.schemas)
            .unwrap_or_else(|e| panic!("{loc}: {e:#}"));
        if let Err(e) = self.schemas.validate(v, idx) {
            panic!("{path} {part:?} is not schema-valid: {e:#}\n{v:#}");
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Part {
    Answer,
    Ack,
    HttpError,
    Request,
    Get,
}
