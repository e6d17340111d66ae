//! An incremental decoder of `COPY ... TO STDOUT (FORMAT binary)` output into Arrow batches.
//!
//! The stream is a header (`PGCOPY\n\377\r\n\0`, flags, extension), then one tuple per row
//! (an `i16` field count, then per field an `i32` length, `-1` for NULL, and the value in the
//! type's binary format), then the trailer (`-1` as field count). Chunks are fed as they
//! arrive from the socket; a row may be split across chunks, so the incomplete tail of a chunk
//! is kept in a small carry-over buffer until the rest arrives. Complete rows are appended to
//! one Arrow builder per column ([`Sink`]) and a batch is cut every `batch_rows` rows: the
//! result is never held whole in memory.

use std::collections::VecDeque;
use std::sync::Arc;

use datafusion::arrow::array::builder::NullBufferBuilder;
use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder,
    IntervalMonthDayNanoBuilder, ListArray, RecordBatch, RecordBatchOptions, StringBuilder,
    Time64MicrosecondBuilder, Time64NanosecondBuilder, TimestampMicrosecondBuilder,
    TimestampNanosecondBuilder, UInt32Builder, UInt64Builder,
};
use datafusion::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, FieldRef, IntervalUnit, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use fedgate_adapter_api::AdapterError;

use crate::types::WireType;
use crate::values::{self, Numeric, ValueError, ValueResult};
use fedgate_adapter_api::SqlState;

/// Rows per emitted batch.
pub const BATCH_ROWS: usize = 8192;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// Signature, flags (i32), header extension length (i32).
const FIXED_HEADER_LEN: usize = 19;
/// Flag bit 16: the rows carry OIDs (never requested, not supported).
const FLAG_HAS_OIDS: u32 = 1 << 16;

/// How the bytes of a text-like Arrow value are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextWire {
    Text,
    Jsonb,
    Uuid,
    Numeric,
}

/// An Arrow builder together with the decoder of the wire format that feeds it.
#[derive(Debug)]
pub enum Sink {
    Boolean(BooleanBuilder),
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Int64FromOid(Int64Builder),
    UInt32(UInt32Builder),
    /// `bigint` read as `UInt64` (DataFusion's type of `row_number()`, `rank()`, ...):
    /// a negative value is an error.
    UInt64(UInt64Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    Decimal(Decimal128Builder, u8, i8),
    Utf8(StringBuilder, TextWire, String),
    Binary(BinaryBuilder),
    Date32(Date32Builder),
    Time64Micro(Time64MicrosecondBuilder),
    Time64Nano(Time64NanosecondBuilder),
    TimestampMicro(TimestampMicrosecondBuilder),
    TimestampNano(TimestampNanosecondBuilder),
    Interval(IntervalMonthDayNanoBuilder),
    List(Box<ListSink>),
}

impl Sink {
    /// A sink decoding `wire` into `target`, or `None` when that pair is not supported
    /// (the scan then casts the column remotely).
    pub fn new(wire: &WireType, target: &DataType) -> Option<Self> {
        use DataType as D;
        use WireType as W;
        let text = |how| Sink::Utf8(StringBuilder::new(), how, String::new());
        Some(match (target, wire) {
            (D::Boolean, W::Bool) => Sink::Boolean(BooleanBuilder::new()),
            (D::Int16, W::Int2) => Sink::Int16(Int16Builder::new()),
            (D::Int32, W::Int2 | W::Int4) => Sink::Int32(Int32Builder::new()),
            (D::Int64, W::Int2 | W::Int4 | W::Int8) => Sink::Int64(Int64Builder::new()),
            (D::Int64, W::Oid) => Sink::Int64FromOid(Int64Builder::new()),
            (D::UInt32, W::Oid) => Sink::UInt32(UInt32Builder::new()),
            (D::UInt64, W::Int2 | W::Int4 | W::Int8) => Sink::UInt64(UInt64Builder::new()),
            (D::Float32, W::Float4) => Sink::Float32(Float32Builder::new()),
            (D::Float64, W::Float4 | W::Float8) => Sink::Float64(Float64Builder::new()),
            (D::Decimal128(p, s), W::Numeric) => Sink::Decimal(
                Decimal128Builder::new()
                    .with_precision_and_scale(*p, *s)
                    .ok()?,
                *p,
                *s,
            ),
            (D::Utf8, W::Text) => text(TextWire::Text),
            (D::Utf8, W::Jsonb) => text(TextWire::Jsonb),
            (D::Utf8, W::Uuid) => text(TextWire::Uuid),
            (D::Utf8, W::Numeric) => text(TextWire::Numeric),
            (D::Binary, W::Bytea) => Sink::Binary(BinaryBuilder::new()),
            (D::Date32, W::Date) => Sink::Date32(Date32Builder::new()),
            (D::Time64(TimeUnit::Microsecond), W::Time) => {
                Sink::Time64Micro(Time64MicrosecondBuilder::new())
            }
            (D::Time64(TimeUnit::Nanosecond), W::Time) => {
                Sink::Time64Nano(Time64NanosecondBuilder::new())
            }
            (D::Timestamp(unit, tz), W::Timestamp | W::Timestamptz)
                if tz.is_some() == (*wire == W::Timestamptz) =>
            {
                timestamp_sink(unit, tz.clone())?
            }
            (D::Interval(IntervalUnit::MonthDayNano), W::Interval) => {
                Sink::Interval(IntervalMonthDayNanoBuilder::new())
            }
            (D::List(field), W::Array(element)) => {
                let items = Sink::new(element, field.data_type())?;
                Sink::List(Box::new(ListSink::new(field.clone(), items)))
            }
            _ => return None,
        })
    }

    /// Appends one value (`None` = NULL).
    pub fn append(&mut self, value: Option<&[u8]>) -> ValueResult<()> {
        match value {
            None => {
                self.append_null();
                Ok(())
            }
            Some(bytes) => self.append_value(bytes),
        }
    }

    fn append_null(&mut self) {
        match self {
            Sink::Boolean(b) => b.append_null(),
            Sink::Int16(b) => b.append_null(),
            Sink::Int32(b) => b.append_null(),
            Sink::Int64(b) | Sink::Int64FromOid(b) => b.append_null(),
            Sink::UInt32(b) => b.append_null(),
            Sink::UInt64(b) => b.append_null(),
            Sink::Float32(b) => b.append_null(),
            Sink::Float64(b) => b.append_null(),
            Sink::Decimal(b, _, _) => b.append_null(),
            Sink::Utf8(b, _, _) => b.append_null(),
            Sink::Binary(b) => b.append_null(),
            Sink::Date32(b) => b.append_null(),
            Sink::Time64Micro(b) => b.append_null(),
            Sink::Time64Nano(b) => b.append_null(),
            Sink::TimestampMicro(b) => b.append_null(),
            Sink::TimestampNano(b) => b.append_null(),
            Sink::Interval(b) => b.append_null(),
            Sink::List(list) => list.append_null(),
        }
    }

    fn append_value(&mut self, bytes: &[u8]) -> ValueResult<()> {
        match self {
            Sink::Boolean(b) => b.append_value(values::bool(bytes)?),
            Sink::Int16(b) => b.append_value(narrow(values::int(bytes)?)?),
            Sink::Int32(b) => b.append_value(narrow(values::int(bytes)?)?),
            Sink::Int64(b) => b.append_value(values::int(bytes)?),
            Sink::Int64FromOid(b) => b.append_value(values::oid(bytes)?.into()),
            Sink::UInt32(b) => b.append_value(values::oid(bytes)?),
            Sink::UInt64(b) => b.append_value(narrow(values::int(bytes)?)?),
            Sink::Float32(b) => b.append_value(values::float4(bytes)?),
            Sink::Float64(b) => b.append_value(values::float(bytes)?),
            Sink::Decimal(b, p, s) => b.append_value(Numeric::parse(bytes)?.to_decimal(*p, *s)?),
            Sink::Utf8(b, how, scratch) => append_text(b, *how, scratch, bytes)?,
            Sink::Binary(b) => b.append_value(bytes),
            Sink::Date32(b) => b.append_value(values::date(bytes)?),
            Sink::Time64Micro(b) => b.append_value(values::time(bytes)?),
            Sink::Time64Nano(b) => b.append_value(values::micros_to_nanos(values::time(bytes)?)?),
            Sink::TimestampMicro(b) => b.append_value(values::timestamp(bytes)?),
            Sink::TimestampNano(b) => {
                b.append_value(values::micros_to_nanos(values::timestamp(bytes)?)?)
            }
            Sink::Interval(b) => b.append_value(values::interval(bytes)?),
            Sink::List(list) => list.append_value(bytes)?,
        }
        Ok(())
    }

    /// The values appended since the last call, as one array.
    pub fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Sink::Boolean(b) => Arc::new(b.finish()),
            Sink::Int16(b) => Arc::new(b.finish()),
            Sink::Int32(b) => Arc::new(b.finish()),
            Sink::Int64(b) | Sink::Int64FromOid(b) => Arc::new(b.finish()),
            Sink::UInt32(b) => Arc::new(b.finish()),
            Sink::UInt64(b) => Arc::new(b.finish()),
            Sink::Float32(b) => Arc::new(b.finish()),
            Sink::Float64(b) => Arc::new(b.finish()),
            Sink::Decimal(b, _, _) => Arc::new(b.finish()),
            Sink::Utf8(b, _, _) => Arc::new(b.finish()),
            Sink::Binary(b) => Arc::new(b.finish()),
            Sink::Date32(b) => Arc::new(b.finish()),
            Sink::Time64Micro(b) => Arc::new(b.finish()),
            Sink::Time64Nano(b) => Arc::new(b.finish()),
            Sink::TimestampMicro(b) => Arc::new(b.finish()),
            Sink::TimestampNano(b) => Arc::new(b.finish()),
            Sink::Interval(b) => Arc::new(b.finish()),
            Sink::List(list) => list.finish()?,
        })
    }

    /// Number of values appended since the last `finish`.
    fn len(&self) -> usize {
        match self {
            Sink::Boolean(b) => b.len(),
            Sink::Int16(b) => b.len(),
            Sink::Int32(b) => b.len(),
            Sink::Int64(b) | Sink::Int64FromOid(b) => b.len(),
            Sink::UInt32(b) => b.len(),
            Sink::UInt64(b) => b.len(),
            Sink::Float32(b) => b.len(),
            Sink::Float64(b) => b.len(),
            Sink::Decimal(b, _, _) => b.len(),
            Sink::Utf8(b, _, _) => b.len(),
            Sink::Binary(b) => b.len(),
            Sink::Date32(b) => b.len(),
            Sink::Time64Micro(b) => b.len(),
            Sink::Time64Nano(b) => b.len(),
            Sink::TimestampMicro(b) => b.len(),
            Sink::TimestampNano(b) => b.len(),
            Sink::Interval(b) => b.len(),
            Sink::List(list) => list.nulls.len(),
        }
    }
}

fn timestamp_sink(unit: &TimeUnit, tz: Option<Arc<str>>) -> Option<Sink> {
    Some(match unit {
        TimeUnit::Microsecond => {
            Sink::TimestampMicro(TimestampMicrosecondBuilder::new().with_timezone_opt(tz))
        }
        TimeUnit::Nanosecond => {
            Sink::TimestampNano(TimestampNanosecondBuilder::new().with_timezone_opt(tz))
        }
        _ => return None,
    })
}

fn narrow<T: TryFrom<i64>>(value: i64) -> ValueResult<T> {
    T::try_from(value).map_err(|_| {
        ValueError::new(
            SqlState::NumericValueOutOfRange,
            format!("integer {value} out of range for the column's Arrow type"),
        )
    })
}

fn append_text(
    builder: &mut StringBuilder,
    how: TextWire,
    scratch: &mut String,
    bytes: &[u8],
) -> ValueResult<()> {
    match how {
        TextWire::Text => builder.append_value(values::text(bytes)?),
        TextWire::Jsonb => builder.append_value(values::jsonb(bytes)?),
        TextWire::Uuid => {
            scratch.clear();
            values::uuid(bytes, scratch)?;
            builder.append_value(&*scratch);
        }
        TextWire::Numeric => {
            scratch.clear();
            Numeric::parse(bytes)?.write_text(scratch);
            builder.append_value(&*scratch);
        }
    }
    Ok(())
}

/// Builds a `ListArray` from array values: offsets, validity, and the items' own sink.
#[derive(Debug)]
pub struct ListSink {
    field: FieldRef,
    items: Sink,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl ListSink {
    fn new(field: FieldRef, items: Sink) -> Self {
        Self {
            field,
            items,
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
        }
    }

    fn last_offset(&self) -> i32 {
        *self.offsets.last().expect("offsets start with 0")
    }

    fn append_null(&mut self) {
        self.offsets.push(self.last_offset());
        self.nulls.append_null();
    }

    fn append_value(&mut self, bytes: &[u8]) -> ValueResult<()> {
        let mut elements = values::array_elements(bytes)?;
        let mut count = 0i32;
        for element in &mut elements {
            self.items.append(element?)?;
            count += 1;
        }
        if !elements.is_complete() {
            return Err(ValueError::malformed("array"));
        }
        let end = self.last_offset().checked_add(count).ok_or_else(|| {
            ValueError::new(
                SqlState::ProgramLimitExceeded,
                "too many array elements in one batch",
            )
        })?;
        self.offsets.push(end);
        self.nulls.append_non_null();
        Ok(())
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        let items = self.items.finish()?;
        let array = ListArray::try_new(self.field.clone(), offsets, items, self.nulls.finish())?;
        Ok(Arc::new(array))
    }
}

/// One result column: its name (for errors) and its sink.
#[derive(Debug)]
pub struct ColumnDecoder {
    pub name: String,
    pub sink: Sink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Rows,
    Done,
}

/// Where the next complete tuple ends, once enough bytes are there.
enum Extent {
    Row(usize),
    Trailer,
}

/// The incremental COPY binary decoder.
#[derive(Debug)]
pub struct CopyBinaryDecoder {
    schema: SchemaRef,
    columns: Vec<ColumnDecoder>,
    state: State,
    carry: Vec<u8>,
    rows: usize,
    batch_rows: usize,
}

fn protocol_error(message: impl Into<String>) -> AdapterError {
    AdapterError::new(SqlState::ProtocolViolation, message)
}

impl CopyBinaryDecoder {
    /// `columns[i]` decodes field `i` of `schema`.
    pub fn new(schema: SchemaRef, columns: Vec<ColumnDecoder>, batch_rows: usize) -> Self {
        Self {
            schema,
            columns,
            state: State::Header,
            carry: Vec::new(),
            rows: 0,
            batch_rows: batch_rows.max(1),
        }
    }

    /// Feeds one chunk of the stream; every batch completed by it is pushed to `out`.
    pub fn push(
        &mut self,
        chunk: &[u8],
        out: &mut VecDeque<RecordBatch>,
    ) -> Result<(), AdapterError> {
        if self.carry.is_empty() {
            let used = self.consume(chunk, out)?;
            self.carry.extend_from_slice(&chunk[used..]);
        } else {
            let mut buffer = std::mem::take(&mut self.carry);
            buffer.extend_from_slice(chunk);
            let used = self.consume(&buffer, out)?;
            buffer.drain(..used);
            self.carry = buffer;
        }
        Ok(())
    }

    /// Ends the stream: checks it was complete and returns the last, partial batch.
    pub fn finish(&mut self) -> Result<Option<RecordBatch>, AdapterError> {
        if self.state != State::Done || !self.carry.is_empty() {
            return Err(protocol_error(
                "the COPY binary stream ended in the middle of the data",
            ));
        }
        if self.rows == 0 {
            return Ok(None);
        }
        self.flush().map(Some)
    }

    /// Decodes every complete tuple of `buffer`; returns how many bytes were used.
    fn consume(
        &mut self,
        buffer: &[u8],
        out: &mut VecDeque<RecordBatch>,
    ) -> Result<usize, AdapterError> {
        let mut pos = 0;
        if self.state == State::Header {
            match header_len(buffer)? {
                None => return Ok(0),
                Some(len) => pos = len,
            }
            self.state = State::Rows;
        }
        while self.state == State::Rows {
            match row_extent(&buffer[pos..], self.columns.len())? {
                None => break,
                Some(Extent::Trailer) => {
                    pos += 2;
                    self.state = State::Done;
                }
                Some(Extent::Row(len)) => {
                    self.decode_row(&buffer[pos..pos + len])?;
                    pos += len;
                    self.rows += 1;
                    if self.rows == self.batch_rows {
                        out.push_back(self.flush()?);
                    }
                }
            }
        }
        if self.state == State::Done && pos < buffer.len() {
            return Err(protocol_error("unexpected data after the COPY trailer"));
        }
        Ok(pos)
    }

    /// Appends one complete tuple (its extent was checked) to the column builders.
    fn decode_row(&mut self, row: &[u8]) -> Result<(), AdapterError> {
        let mut pos = 2;
        for column in &mut self.columns {
            let len = read_i32(row, pos);
            pos += 4;
            let value = match usize::try_from(len) {
                Ok(len) => {
                    pos += len;
                    Some(&row[pos - len..pos])
                }
                Err(_) => None,
            };
            column.sink.append(value).map_err(|e| {
                AdapterError::new(
                    e.sqlstate,
                    format!("column \"{}\": {}", column.name, e.message),
                )
            })?;
        }
        Ok(())
    }

    /// Cuts a batch from the rows appended so far.
    fn flush(&mut self) -> Result<RecordBatch, AdapterError> {
        let rows = std::mem::take(&mut self.rows);
        let arrays = self
            .columns
            .iter_mut()
            .map(|c| {
                debug_assert_eq!(c.sink.len(), rows);
                c.sink.finish()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(batch_error)?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(batch_error)
    }
}

fn batch_error(error: ArrowError) -> AdapterError {
    AdapterError::internal(format!(
        "cannot build an Arrow batch from the rows: {error}"
    ))
}

fn read_i32(buffer: &[u8], pos: usize) -> i32 {
    i32::from_be_bytes(buffer[pos..pos + 4].try_into().expect("4 bytes"))
}

/// The length of the header, once all of it is in `buffer`.
fn header_len(buffer: &[u8]) -> Result<Option<usize>, AdapterError> {
    let signature_seen = &buffer[..buffer.len().min(SIGNATURE.len())];
    if !SIGNATURE.starts_with(signature_seen) {
        return Err(protocol_error(
            "the backend did not send a COPY binary signature",
        ));
    }
    if buffer.len() < FIXED_HEADER_LEN {
        return Ok(None);
    }
    let flags = read_i32(buffer, 11) as u32;
    if flags & FLAG_HAS_OIDS != 0 || flags >> 17 != 0 {
        return Err(protocol_error(format!(
            "unsupported COPY binary header flags {flags:#x}"
        )));
    }
    let extension = usize::try_from(read_i32(buffer, 15))
        .map_err(|_| protocol_error("negative COPY binary header extension length"))?;
    let len = FIXED_HEADER_LEN + extension;
    Ok((buffer.len() >= len).then_some(len))
}

/// Where the tuple at the start of `buffer` ends, or `None` if it is not complete yet.
fn row_extent(buffer: &[u8], columns: usize) -> Result<Option<Extent>, AdapterError> {
    let Some(count) = buffer.get(..2) else {
        return Ok(None);
    };
    let count = i16::from_be_bytes([count[0], count[1]]);
    if count == -1 {
        return Ok(Some(Extent::Trailer));
    }
    if usize::try_from(count).ok() != Some(columns) {
        return Err(protocol_error(format!(
            "a COPY row has {count} fields, expected {columns}"
        )));
    }
    let mut pos = 2;
    for _ in 0..columns {
        if buffer.len() < pos + 4 {
            return Ok(None);
        }
        let len = read_i32(buffer, pos);
        pos += 4;
        match len {
            -1 => {}
            len if len >= 0 => pos += len as usize,
            _ => return Err(protocol_error(format!("invalid COPY field length {len}"))),
        }
        if pos > buffer.len() {
            return Ok(None);
        }
    }
    Ok(Some(Extent::Row(pos)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{list_of, UTC};
    use crate::values::tests::{array_bytes, numeric_bytes};
    use datafusion::arrow::array::{
        BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array,
        Int64Array, IntervalMonthDayNanoArray, StringArray, TimestampMicrosecondArray, UInt32Array,
    };
    use datafusion::arrow::compute::concat_batches;
    use datafusion::arrow::datatypes::{Field, IntervalMonthDayNano, Schema};

    type Row = Vec<Option<Vec<u8>>>;

    fn copy_stream(rows: &[Row]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&3i32.to_be_bytes());
        out.extend_from_slice(b"ext");
        for row in rows {
            out.extend_from_slice(&(row.len() as i16).to_be_bytes());
            for value in row {
                match value {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(v) => {
                        out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                        out.extend_from_slice(v);
                    }
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn decoder(schema: &SchemaRef, wires: &[WireType], batch_rows: usize) -> CopyBinaryDecoder {
        let columns = schema
            .fields()
            .iter()
            .zip(wires)
            .map(|(f, w)| ColumnDecoder {
                name: f.name().clone(),
                sink: Sink::new(w, f.data_type()).expect("supported pair"),
            })
            .collect();
        CopyBinaryDecoder::new(schema.clone(), columns, batch_rows)
    }

    /// Decodes `bytes` fed as the given chunks; returns all batches.
    fn decode_chunks(
        schema: &SchemaRef,
        wires: &[WireType],
        batch_rows: usize,
        chunks: &[&[u8]],
    ) -> Result<Vec<RecordBatch>, AdapterError> {
        let mut d = decoder(schema, wires, batch_rows);
        let mut out = VecDeque::new();
        for chunk in chunks {
            d.push(chunk, &mut out)?;
        }
        out.extend(d.finish()?);
        Ok(out.into())
    }

    /// Decodes with every split point (and byte by byte) and checks all agree with `expected`.
    fn check_all_splits(
        schema: &SchemaRef,
        wires: &[WireType],
        bytes: &[u8],
        expected: &RecordBatch,
    ) {
        let mut runs: Vec<Vec<&[u8]>> = (0..=bytes.len())
            .map(|i| vec![&bytes[..i], &bytes[i..]])
            .collect();
        runs.push(bytes.chunks(1).collect());
        runs.push(bytes.chunks(7).collect());
        for chunks in runs {
            let batches = decode_chunks(schema, wires, 2, &chunks).unwrap();
            assert!(batches.iter().all(|b| b.num_rows() <= 2));
            let all = concat_batches(schema, &batches).unwrap();
            assert_eq!(
                &all,
                expected,
                "chunks of sizes {:?}",
                chunks.iter().map(|c| c.len()).collect::<Vec<_>>()
            );
        }
    }

    fn be32(v: i32) -> Option<Vec<u8>> {
        Some(v.to_be_bytes().to_vec())
    }

    #[test]
    fn scalars_with_nulls_across_every_split() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("i", DataType::Int32, true),
            Field::new("t", DataType::Utf8, true),
            Field::new("d", DataType::Decimal128(12, 2), true),
            Field::new("n", DataType::Utf8, true),
            Field::new("b", DataType::Boolean, true),
            Field::new("f", DataType::Float64, true),
            Field::new("x", DataType::Binary, true),
            Field::new("o", DataType::UInt32, true),
            Field::new("big", DataType::Int64, true),
        ]));
        let wires = [
            WireType::Int4,
            WireType::Text,
            WireType::Numeric,
            WireType::Numeric,
            WireType::Bool,
            WireType::Float8,
            WireType::Bytea,
            WireType::Oid,
            WireType::Int2,
        ];
        let rows: Vec<Row> = vec![
            vec![
                be32(1),
                Some(b"hello".to_vec()),
                Some(numeric_bytes(0, 0, 2, &[1234, 5000])),
                Some(numeric_bytes(
                    4,
                    0x4000,
                    1,
                    &[1234, 5678, 9012, 3456, 7890, 5000],
                )),
                Some(vec![1]),
                Some(1.5f64.to_be_bytes().to_vec()),
                Some(vec![0xde, 0xad]),
                Some(u32::MAX.to_be_bytes().to_vec()),
                Some((-7i16).to_be_bytes().to_vec()),
            ],
            vec![None; 9],
            vec![
                be32(-3),
                Some(Vec::new()),
                Some(numeric_bytes(0, 0x4000, 2, &[0, 100])),
                Some(numeric_bytes(0, 0xC000, 0, &[])),
                Some(vec![0]),
                Some((-0.25f64).to_be_bytes().to_vec()),
                Some(Vec::new()),
                Some(0u32.to_be_bytes().to_vec()),
                Some(32767i16.to_be_bytes().to_vec()),
            ],
        ];
        let bytes = copy_stream(&rows);
        let expected = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int32Array::from(vec![Some(1), None, Some(-3)])),
                Arc::new(StringArray::from(vec![Some("hello"), None, Some("")])),
                Arc::new(
                    Decimal128Array::from(vec![Some(123450), None, Some(-1)])
                        .with_precision_and_scale(12, 2)
                        .unwrap(),
                ),
                Arc::new(StringArray::from(vec![
                    Some("-12345678901234567890.5"),
                    None,
                    Some("NaN"),
                ])),
                Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
                Arc::new(Float64Array::from(vec![Some(1.5), None, Some(-0.25)])),
                Arc::new(BinaryArray::from(vec![
                    Some(&[0xde, 0xad][..]),
                    None,
                    Some(&[][..]),
                ])),
                Arc::new(UInt32Array::from(vec![Some(u32::MAX), None, Some(0)])),
                Arc::new(Int64Array::from(vec![Some(-7), None, Some(32767)])),
            ],
        )
        .unwrap();
        check_all_splits(&schema, &wires, &bytes, &expected);
    }

    #[test]
    fn temporal_uuid_json_and_arrays_across_every_split() {
        let tz = DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()));
        let schema = Arc::new(Schema::new(vec![
            Field::new("day", DataType::Date32, true),
            Field::new("at", tz.clone(), true),
            Field::new("span", DataType::Interval(IntervalUnit::MonthDayNano), true),
            Field::new("id", DataType::Utf8, true),
            Field::new("doc", DataType::Utf8, true),
            Field::new("ints", list_of(DataType::Int32), true),
            Field::new("words", list_of(DataType::Utf8), true),
        ]));
        let wires = [
            WireType::Date,
            WireType::Timestamptz,
            WireType::Interval,
            WireType::Uuid,
            WireType::Jsonb,
            WireType::Array(Box::new(WireType::Int4)),
            WireType::Array(Box::new(WireType::Text)),
        ];
        let mut interval = 1_000_000i64.to_be_bytes().to_vec();
        interval.extend_from_slice(&2i32.to_be_bytes());
        interval.extend_from_slice(&3i32.to_be_bytes());
        let one = 1i32.to_be_bytes();
        let three = 3i32.to_be_bytes();
        let rows: Vec<Row> = vec![
            vec![
                be32(1),
                Some(1_000_000i64.to_be_bytes().to_vec()),
                Some(interval),
                Some((0u8..16).collect()),
                Some(b"\x01{\"a\": 1}".to_vec()),
                Some(array_bytes(23, &[Some(&one), None, Some(&three)])),
                Some(array_bytes(25, &[Some(b"x"), Some(b"")])),
            ],
            vec![None; 7],
            vec![
                be32(-10957),
                Some(0i64.to_be_bytes().to_vec()),
                None,
                None,
                None,
                Some(array_bytes(23, &[])),
                Some(array_bytes(25, &[None])),
            ],
        ];
        let bytes = copy_stream(&rows);
        let mut ints = datafusion::arrow::array::ListBuilder::new(Int32Builder::new());
        ints.append_value([Some(1), None, Some(3)]);
        ints.append_null();
        ints.append_value([]);
        let mut words = datafusion::arrow::array::ListBuilder::new(StringBuilder::new());
        words.append_value([Some("x"), Some("")]);
        words.append_null();
        words.append_value([None::<&str>]);
        let expected = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Date32Array::from(vec![Some(10958), None, Some(0)])),
                Arc::new(
                    TimestampMicrosecondArray::from(vec![
                        Some(946_684_801_000_000),
                        None,
                        Some(946_684_800_000_000),
                    ])
                    .with_timezone(UTC),
                ),
                Arc::new(IntervalMonthDayNanoArray::from(vec![
                    Some(IntervalMonthDayNano::new(3, 2, 1_000_000_000)),
                    None,
                    None,
                ])),
                Arc::new(StringArray::from(vec![
                    Some("00010203-0405-0607-0809-0a0b0c0d0e0f"),
                    None,
                    None,
                ])),
                Arc::new(StringArray::from(vec![Some("{\"a\": 1}"), None, None])),
                Arc::new(ints.finish()),
                Arc::new(words.finish()),
            ],
        )
        .unwrap();
        check_all_splits(&schema, &wires, &bytes, &expected);
    }

    #[test]
    fn batches_are_cut_every_batch_rows() {
        let schema = Arc::new(Schema::new(vec![Field::new("i", DataType::Int32, false)]));
        let rows: Vec<Row> = (0..10).map(|i| vec![be32(i)]).collect();
        let bytes = copy_stream(&rows);
        let batches = decode_chunks(&schema, &[WireType::Int4], 4, &[&bytes]).unwrap();
        let sizes: Vec<_> = batches.iter().map(RecordBatch::num_rows).collect();
        assert_eq!(sizes, vec![4, 4, 2]);
        let empty = copy_stream(&[]);
        assert!(decode_chunks(&schema, &[WireType::Int4], 4, &[&empty])
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bigint_reads_as_uint64_and_rejects_negatives() {
        use datafusion::arrow::array::{Array, UInt64Array};
        let schema = Arc::new(Schema::new(vec![Field::new("r", DataType::UInt64, true)]));
        let be64 = |v: i64| Some(v.to_be_bytes().to_vec());
        let bytes = copy_stream(&[vec![be64(7)], vec![None]]);
        let batches = decode_chunks(&schema, &[WireType::Int8], 8192, &[&bytes]).unwrap();
        let column = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<UInt64Array>()
            .unwrap();
        assert_eq!(column.value(0), 7);
        assert!(column.is_null(1));
        let negative = copy_stream(&[vec![be64(-1)]]);
        assert!(decode_chunks(&schema, &[WireType::Int8], 8192, &[&negative]).is_err());
    }

    #[test]
    fn zero_column_rows_keep_their_count() {
        let schema = Arc::new(Schema::empty());
        let bytes = copy_stream(&[vec![], vec![], vec![]]);
        let batches = decode_chunks(&schema, &[], 8192, &[&bytes]).unwrap();
        assert_eq!(batches[0].num_rows(), 3);
    }

    #[test]
    fn value_errors_name_the_column() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("price", DataType::Decimal128(4, 0), true),
        ]));
        let wires = [WireType::Int4, WireType::Numeric];
        let bytes = copy_stream(&[vec![be32(1), Some(numeric_bytes(1, 0, 0, &[1, 0]))]]);
        let e = decode_chunks(&schema, &wires, 10, &[&bytes]).unwrap_err();
        assert_eq!(e.sqlstate, "22003");
        assert!(e.message.starts_with("column \"price\": "), "{}", e.message);

        let schema = Arc::new(Schema::new(vec![Field::new(
            "m",
            list_of(DataType::Int32),
            true,
        )]));
        let wires = [WireType::Array(Box::new(WireType::Int4))];
        let mut two_dims = array_bytes(23, &[Some(&1i32.to_be_bytes())]);
        two_dims[3] = 2;
        let bytes = copy_stream(&[vec![Some(two_dims)]]);
        let e = decode_chunks(&schema, &wires, 10, &[&bytes]).unwrap_err();
        assert!(e.message.contains("column \"m\"") && e.message.contains("multi-dimensional"));
    }

    #[test]
    fn truncated_and_malformed_streams_are_errors() {
        let schema = Arc::new(Schema::new(vec![Field::new("i", DataType::Int32, true)]));
        let wires = [WireType::Int4];
        let bytes = copy_stream(&[vec![be32(1)]]);
        for cut in 0..bytes.len() {
            let e = decode_chunks(&schema, &wires, 10, &[&bytes[..cut]]).unwrap_err();
            assert_eq!(e.sqlstate, "08P01");
        }
        let e = decode_chunks(&schema, &wires, 10, &[b"NOTCOPY"]).unwrap_err();
        assert!(e.message.contains("signature"));
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_chunks(&schema, &wires, 10, &[&extra]).is_err());
        let wrong_count = copy_stream(&[vec![be32(1), be32(2)]]);
        assert!(decode_chunks(&schema, &wires, 10, &[&wrong_count]).is_err());
        let short_value = copy_stream(&[vec![Some(vec![1, 2, 3])]]);
        let e = decode_chunks(&schema, &wires, 10, &[&short_value]).unwrap_err();
        assert!(e.message.contains("column \"i\""));
    }

    #[test]
    fn unsupported_pairs_have_no_sink() {
        assert!(Sink::new(&WireType::Text, &DataType::Int32).is_none());
        assert!(Sink::new(
            &WireType::Timestamp,
            &DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
        )
        .is_none());
        assert!(Sink::new(&WireType::Int8, &DataType::Int32).is_none());
        assert!(Sink::new(&WireType::Numeric, &DataType::Decimal128(3, 5)).is_none());
    }
}
