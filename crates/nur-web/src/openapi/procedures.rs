//! One operation per procedure the caller may call right now, added to the generated document
//! at request time: its parameters typed and its rows' schema built from the catalog column
//! types of its plan under today's grants. Each starts as a copy of the generic
//! `/api/v1/procedures/{entity}/{name}` operation, so the error answers and headers are
//! written once, in that handler's attribute.

use crate::data::QueryResult;
use nur_core::query::{Parameter as SpecParameter, Plan};
use nur_core::ColumnType;
use nur_store::ProcedureRow;
use utoipa::openapi::path::{
    Operation, Parameter, ParameterBuilder, ParameterIn, ParameterStyle, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::{Content, OpenApi, RefOr, Required};
use utoipa::PartialSchema;

/// The path of the generic operations every procedure's own ones start from.
const GENERIC: &str = "/api/v1/procedures/{entity}/{name}";

/// Adds an operation pair (POST with a JSON body, GET with a query string) for each callable
/// procedure.
pub(super) fn add(doc: &mut OpenApi, callable: &[(ProcedureRow, Plan)]) {
    let Some(generic) = doc.paths.paths.get(GENERIC).cloned() else {
        return;
    };
    let (Some(post), Some(get)) = (generic.post, generic.get) else {
        return;
    };
    for (p, plan) in callable {
        let op_id = format!("{}_{}", p.entity, p.name);
        let rows = rows_schema(plan);
        let mut item = PathItem::default();

        let mut op = specialise(&post, p, format!("{op_id}_post"), &rows);
        let body = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
        let body = plan.parameters.iter().fold(body, |b, x| {
            b.property(&x.name, parameter_schema(x)).required(&x.name)
        });
        // The body may be left out when there is nothing to give.
        let needed = !plan.parameters.is_empty();
        op.request_body = Some(
            RequestBodyBuilder::new()
                .required(Some(if needed {
                    Required::True
                } else {
                    Required::False
                }))
                .content("application/json", Content::new(Some(body)))
                .build(),
        );
        item.post = Some(op);

        let mut op = specialise(&get, p, format!("{op_id}_get"), &rows);
        let query = plan.parameters.iter().map(|x| {
            ParameterBuilder::new()
                .name(&x.name)
                .parameter_in(ParameterIn::Query)
                .required(Required::True)
                .description(x.description.clone())
                .schema(Some(parameter_schema(x)))
                // A list parameter's values come comma-separated (`nns=1,2`), as the
                // binding of text arguments splits them.
                .style(x.list.then_some(ParameterStyle::Form))
                .explode(x.list.then_some(false))
                .build()
        });
        let headers = op.parameters.take().unwrap_or_default();
        op.parameters = Some(query.chain(headers).collect());
        item.get = Some(op);

        doc.paths
            .paths
            .insert(format!("/api/v1/procedures/{}/{}", p.entity, p.name), item);
    }
}

/// A copy of a generic operation for one procedure: its id and summary, no path parameters
/// (the path names the procedure) nor the generic query object, and its own rows' schema.
fn specialise(
    generic: &Operation,
    p: &ProcedureRow,
    id: String,
    rows: &RefOr<Schema>,
) -> Operation {
    let mut op = generic.clone();
    op.operation_id = Some(id);
    op.summary = Some(p.description.clone());
    op.description = Some(format!(
        "Procedure {}/{}, version {}.",
        p.entity, p.name, p.version
    ));
    op.request_body = None;
    op.parameters = op.parameters.map(|ps| {
        ps.into_iter()
            .filter(|x: &Parameter| x.parameter_in == ParameterIn::Header)
            .collect()
    });
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        if let Some(json) = ok.content.get_mut("application/json") {
            json.schema = Some(rows.clone());
        }
    }
    op
}

/// The schema of a [`QueryResult`] whose rows carry the plan's output columns, each typed
/// (null when the cell is empty) and described by its qualified name.
fn rows_schema(plan: &Plan) -> RefOr<Schema> {
    let row = plan
        .output
        .iter()
        .fold(ObjectBuilder::new().schema_type(Type::Object), |b, o| {
            let mut one = schema_of(o.ty);
            one.description = Some(o.qualified.clone());
            let cell = AnyOfBuilder::new()
                .item(one)
                .item(ObjectBuilder::new().schema_type(Type::Null));
            b.property(&o.name, cell)
        });
    let mut result = QueryResult::schema();
    if let RefOr::T(Schema::Object(obj)) = &mut result {
        obj.properties
            .insert("rows".into(), ArrayBuilder::new().items(row).into());
    }
    result
}

/// A parameter's schema: its column type's, or an array of them for a list parameter.
fn parameter_schema(x: &SpecParameter) -> RefOr<Schema> {
    let mut one = schema_of(x.ty);
    one.description = x.description.clone();
    if x.list {
        ArrayBuilder::new().items(one).into()
    } else {
        one.into()
    }
}

/// The JSON schema of a catalog column type's values.
fn schema_of(ty: ColumnType) -> Object {
    let string = ObjectBuilder::new().schema_type(Type::String);
    match ty {
        ColumnType::Integer => ObjectBuilder::new().schema_type(Type::Integer),
        ColumnType::Decimal => ObjectBuilder::new().schema_type(Type::Number),
        ColumnType::Boolean => ObjectBuilder::new().schema_type(Type::Boolean),
        ColumnType::Date => string.format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        ColumnType::NationalNumber => string.pattern(Some("^[0-9]{10}$")),
        ColumnType::PersonalId | ColumnType::CivilRecordId | ColumnType::Text => string,
    }
    .build()
}
