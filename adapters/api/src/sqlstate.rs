//! PostgreSQL's SQLSTATE error codes as a type: every code PostgreSQL defines (its
//! `errcodes.txt`), named as PostgreSQL's `ERRCODE_*` macros name them, plus codes it does not
//! define (a backend's own). Errors carry a [`SqlState`], never a bare string, so the code a
//! client sees is decided where the error is made, not by reading a message.

/// A SQLSTATE: one of PostgreSQL's codes, or another five-character code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlState {
    /// `00000` successful_completion
    SuccessfulCompletion,
    /// `01000` warning
    Warning,
    /// `0100C` dynamic_result_sets_returned
    WarningDynamicResultSetsReturned,
    /// `01008` implicit_zero_bit_padding
    WarningImplicitZeroBitPadding,
    /// `01003` null_value_eliminated_in_set_function
    WarningNullValueEliminatedInSetFunction,
    /// `01007` privilege_not_granted
    WarningPrivilegeNotGranted,
    /// `01006` privilege_not_revoked
    WarningPrivilegeNotRevoked,
    /// `01004` string_data_right_truncation
    WarningStringDataRightTruncation,
    /// `01P01` deprecated_feature
    WarningDeprecatedFeature,
    /// `02000` no_data
    NoData,
    /// `02001` no_additional_dynamic_result_sets_returned
    NoAdditionalDynamicResultSetsReturned,
    /// `03000` sql_statement_not_yet_complete
    SqlStatementNotYetComplete,
    /// `08000` connection_exception
    ConnectionException,
    /// `08003` connection_does_not_exist
    ConnectionDoesNotExist,
    /// `08006` connection_failure
    ConnectionFailure,
    /// `08001` sqlclient_unable_to_establish_sqlconnection
    SqlclientUnableToEstablishSqlconnection,
    /// `08004` sqlserver_rejected_establishment_of_sqlconnection
    SqlserverRejectedEstablishmentOfSqlconnection,
    /// `08007` transaction_resolution_unknown
    TransactionResolutionUnknown,
    /// `08P01` protocol_violation
    ProtocolViolation,
    /// `09000` triggered_action_exception
    TriggeredActionException,
    /// `0A000` feature_not_supported
    FeatureNotSupported,
    /// `0B000` invalid_transaction_initiation
    InvalidTransactionInitiation,
    /// `0F000` locator_exception
    LocatorException,
    /// `0F001` invalid_locator_specification
    LEInvalidSpecification,
    /// `0L000` invalid_grantor
    InvalidGrantor,
    /// `0LP01` invalid_grant_operation
    InvalidGrantOperation,
    /// `0P000` invalid_role_specification
    InvalidRoleSpecification,
    /// `0Z000` diagnostics_exception
    DiagnosticsException,
    /// `0Z002` stacked_diagnostics_accessed_without_active_handler
    StackedDiagnosticsAccessedWithoutActiveHandler,
    /// `20000` case_not_found
    CaseNotFound,
    /// `21000` cardinality_violation
    CardinalityViolation,
    /// `22000` data_exception
    DataException,
    /// `2202E` array_subscript_error
    ArraySubscriptError,
    /// `22021` character_not_in_repertoire
    CharacterNotInRepertoire,
    /// `22008` datetime_field_overflow
    DatetimeFieldOverflow,
    /// `22012` division_by_zero
    DivisionByZero,
    /// `22005` error_in_assignment
    ErrorInAssignment,
    /// `2200B` escape_character_conflict
    EscapeCharacterConflict,
    /// `22022` indicator_overflow
    IndicatorOverflow,
    /// `22015` interval_field_overflow
    IntervalFieldOverflow,
    /// `2201E` invalid_argument_for_logarithm
    InvalidArgumentForLog,
    /// `22014` invalid_argument_for_ntile_function
    InvalidArgumentForNtile,
    /// `22016` invalid_argument_for_nth_value_function
    InvalidArgumentForNthValue,
    /// `2201F` invalid_argument_for_power_function
    InvalidArgumentForPowerFunction,
    /// `2201G` invalid_argument_for_width_bucket_function
    InvalidArgumentForWidthBucketFunction,
    /// `22018` invalid_character_value_for_cast
    InvalidCharacterValueForCast,
    /// `22007` invalid_datetime_format
    InvalidDatetimeFormat,
    /// `22019` invalid_escape_character
    InvalidEscapeCharacter,
    /// `2200D` invalid_escape_octet
    InvalidEscapeOctet,
    /// `22025` invalid_escape_sequence
    InvalidEscapeSequence,
    /// `22P06` nonstandard_use_of_escape_character
    NonstandardUseOfEscapeCharacter,
    /// `22010` invalid_indicator_parameter_value
    InvalidIndicatorParameterValue,
    /// `22023` invalid_parameter_value
    InvalidParameterValue,
    /// `22013` invalid_preceding_or_following_size
    InvalidPrecedingOrFollowingSize,
    /// `2201B` invalid_regular_expression
    InvalidRegularExpression,
    /// `2201W` invalid_row_count_in_limit_clause
    InvalidRowCountInLimitClause,
    /// `2201X` invalid_row_count_in_result_offset_clause
    InvalidRowCountInResultOffsetClause,
    /// `2202H` invalid_tablesample_argument
    InvalidTablesampleArgument,
    /// `2202G` invalid_tablesample_repeat
    InvalidTablesampleRepeat,
    /// `22009` invalid_time_zone_displacement_value
    InvalidTimeZoneDisplacementValue,
    /// `2200C` invalid_use_of_escape_character
    InvalidUseOfEscapeCharacter,
    /// `2200G` most_specific_type_mismatch
    MostSpecificTypeMismatch,
    /// `22004` null_value_not_allowed
    NullValueNotAllowed,
    /// `22002` null_value_no_indicator_parameter
    NullValueNoIndicatorParameter,
    /// `22003` numeric_value_out_of_range
    NumericValueOutOfRange,
    /// `2200H` sequence_generator_limit_exceeded
    SequenceGeneratorLimitExceeded,
    /// `22026` string_data_length_mismatch
    StringDataLengthMismatch,
    /// `22001` string_data_right_truncation
    StringDataRightTruncation,
    /// `22011` substring_error
    SubstringError,
    /// `22027` trim_error
    TrimError,
    /// `22024` unterminated_c_string
    UnterminatedCString,
    /// `2200F` zero_length_character_string
    ZeroLengthCharacterString,
    /// `22P01` floating_point_exception
    FloatingPointException,
    /// `22P02` invalid_text_representation
    InvalidTextRepresentation,
    /// `22P03` invalid_binary_representation
    InvalidBinaryRepresentation,
    /// `22P04` bad_copy_file_format
    BadCopyFileFormat,
    /// `22P05` untranslatable_character
    UntranslatableCharacter,
    /// `22P07` datum_version_mismatch
    DatumVersionMismatch,
    /// `2200L` not_an_xml_document
    NotAnXmlDocument,
    /// `2200M` invalid_xml_document
    InvalidXmlDocument,
    /// `2200N` invalid_xml_content
    InvalidXmlContent,
    /// `2200S` invalid_xml_comment
    InvalidXmlComment,
    /// `2200T` invalid_xml_processing_instruction
    InvalidXmlProcessingInstruction,
    /// `22030` duplicate_json_object_key_value
    DuplicateJsonObjectKeyValue,
    /// `22031` invalid_argument_for_sql_json_datetime_function
    InvalidArgumentForSqlJsonDatetimeFunction,
    /// `22032` invalid_json_text
    InvalidJsonText,
    /// `22033` invalid_sql_json_subscript
    InvalidSqlJsonSubscript,
    /// `22034` more_than_one_sql_json_item
    MoreThanOneSqlJsonItem,
    /// `22035` no_sql_json_item
    NoSqlJsonItem,
    /// `22036` non_numeric_sql_json_item
    NonNumericSqlJsonItem,
    /// `22037` non_unique_keys_in_a_json_object
    NonUniqueKeysInAJsonObject,
    /// `22038` singleton_sql_json_item_required
    SingletonSqlJsonItemRequired,
    /// `22039` sql_json_array_not_found
    SqlJsonArrayNotFound,
    /// `2203A` sql_json_member_not_found
    SqlJsonMemberNotFound,
    /// `2203B` sql_json_number_not_found
    SqlJsonNumberNotFound,
    /// `2203C` sql_json_object_not_found
    SqlJsonObjectNotFound,
    /// `2203D` too_many_json_array_elements
    TooManyJsonArrayElements,
    /// `2203E` too_many_json_object_members
    TooManyJsonObjectMembers,
    /// `2203F` sql_json_scalar_required
    SqlJsonScalarRequired,
    /// `2203G` sql_json_item_cannot_be_cast_to_target_type
    SqlJsonItemCannotBeCastToTargetType,
    /// `23000` integrity_constraint_violation
    IntegrityConstraintViolation,
    /// `23001` restrict_violation
    RestrictViolation,
    /// `23502` not_null_violation
    NotNullViolation,
    /// `23503` foreign_key_violation
    ForeignKeyViolation,
    /// `23505` unique_violation
    UniqueViolation,
    /// `23514` check_violation
    CheckViolation,
    /// `23P01` exclusion_violation
    ExclusionViolation,
    /// `24000` invalid_cursor_state
    InvalidCursorState,
    /// `25000` invalid_transaction_state
    InvalidTransactionState,
    /// `25001` active_sql_transaction
    ActiveSqlTransaction,
    /// `25002` branch_transaction_already_active
    BranchTransactionAlreadyActive,
    /// `25008` held_cursor_requires_same_isolation_level
    HeldCursorRequiresSameIsolationLevel,
    /// `25003` inappropriate_access_mode_for_branch_transaction
    InappropriateAccessModeForBranchTransaction,
    /// `25004` inappropriate_isolation_level_for_branch_transaction
    InappropriateIsolationLevelForBranchTransaction,
    /// `25005` no_active_sql_transaction_for_branch_transaction
    NoActiveSqlTransactionForBranchTransaction,
    /// `25006` read_only_sql_transaction
    ReadOnlySqlTransaction,
    /// `25007` schema_and_data_statement_mixing_not_supported
    SchemaAndDataStatementMixingNotSupported,
    /// `25P01` no_active_sql_transaction
    NoActiveSqlTransaction,
    /// `25P02` in_failed_sql_transaction
    InFailedSqlTransaction,
    /// `25P03` idle_in_transaction_session_timeout
    IdleInTransactionSessionTimeout,
    /// `26000` invalid_sql_statement_name
    InvalidSqlStatementName,
    /// `27000` triggered_data_change_violation
    TriggeredDataChangeViolation,
    /// `28000` invalid_authorization_specification
    InvalidAuthorizationSpecification,
    /// `28P01` invalid_password
    InvalidPassword,
    /// `2B000` dependent_privilege_descriptors_still_exist
    DependentPrivilegeDescriptorsStillExist,
    /// `2BP01` dependent_objects_still_exist
    DependentObjectsStillExist,
    /// `2D000` invalid_transaction_termination
    InvalidTransactionTermination,
    /// `2F000` sql_routine_exception
    SqlRoutineException,
    /// `2F005` function_executed_no_return_statement
    SREFunctionExecutedNoReturnStatement,
    /// `2F002` modifying_sql_data_not_permitted
    SREModifyingSqlDataNotPermitted,
    /// `2F003` prohibited_sql_statement_attempted
    SREProhibitedSqlStatementAttempted,
    /// `2F004` reading_sql_data_not_permitted
    SREReadingSqlDataNotPermitted,
    /// `34000` invalid_cursor_name
    InvalidCursorName,
    /// `38000` external_routine_exception
    ExternalRoutineException,
    /// `38001` containing_sql_not_permitted
    EREContainingSqlNotPermitted,
    /// `38002` modifying_sql_data_not_permitted
    EREModifyingSqlDataNotPermitted,
    /// `38003` prohibited_sql_statement_attempted
    EREProhibitedSqlStatementAttempted,
    /// `38004` reading_sql_data_not_permitted
    EREReadingSqlDataNotPermitted,
    /// `39000` external_routine_invocation_exception
    ExternalRoutineInvocationException,
    /// `39001` invalid_sqlstate_returned
    ERIEInvalidSqlstateReturned,
    /// `39004` null_value_not_allowed
    ERIENullValueNotAllowed,
    /// `39P01` trigger_protocol_violated
    ERIETriggerProtocolViolated,
    /// `39P02` srf_protocol_violated
    ERIESrfProtocolViolated,
    /// `39P03` event_trigger_protocol_violated
    ERIEEventTriggerProtocolViolated,
    /// `3B000` savepoint_exception
    SavepointException,
    /// `3B001` invalid_savepoint_specification
    SEInvalidSpecification,
    /// `3D000` invalid_catalog_name
    InvalidCatalogName,
    /// `3F000` invalid_schema_name
    InvalidSchemaName,
    /// `40000` transaction_rollback
    TransactionRollback,
    /// `40002` transaction_integrity_constraint_violation
    TRIntegrityConstraintViolation,
    /// `40001` serialization_failure
    TRSerializationFailure,
    /// `40003` statement_completion_unknown
    TRStatementCompletionUnknown,
    /// `40P01` deadlock_detected
    TRDeadlockDetected,
    /// `42000` syntax_error_or_access_rule_violation
    SyntaxErrorOrAccessRuleViolation,
    /// `42601` syntax_error
    SyntaxError,
    /// `42501` insufficient_privilege
    InsufficientPrivilege,
    /// `42846` cannot_coerce
    CannotCoerce,
    /// `42803` grouping_error
    GroupingError,
    /// `42P20` windowing_error
    WindowingError,
    /// `42P19` invalid_recursion
    InvalidRecursion,
    /// `42830` invalid_foreign_key
    InvalidForeignKey,
    /// `42602` invalid_name
    InvalidName,
    /// `42622` name_too_long
    NameTooLong,
    /// `42939` reserved_name
    ReservedName,
    /// `42804` datatype_mismatch
    DatatypeMismatch,
    /// `42P18` indeterminate_datatype
    IndeterminateDatatype,
    /// `42P21` collation_mismatch
    CollationMismatch,
    /// `42P22` indeterminate_collation
    IndeterminateCollation,
    /// `42809` wrong_object_type
    WrongObjectType,
    /// `428C9` generated_always
    GeneratedAlways,
    /// `42703` undefined_column
    UndefinedColumn,
    /// `42883` undefined_function
    UndefinedFunction,
    /// `42P01` undefined_table
    UndefinedTable,
    /// `42P02` undefined_parameter
    UndefinedParameter,
    /// `42704` undefined_object
    UndefinedObject,
    /// `42701` duplicate_column
    DuplicateColumn,
    /// `42P03` duplicate_cursor
    DuplicateCursor,
    /// `42P04` duplicate_database
    DuplicateDatabase,
    /// `42723` duplicate_function
    DuplicateFunction,
    /// `42P05` duplicate_prepared_statement
    DuplicatePstatement,
    /// `42P06` duplicate_schema
    DuplicateSchema,
    /// `42P07` duplicate_table
    DuplicateTable,
    /// `42712` duplicate_alias
    DuplicateAlias,
    /// `42710` duplicate_object
    DuplicateObject,
    /// `42702` ambiguous_column
    AmbiguousColumn,
    /// `42725` ambiguous_function
    AmbiguousFunction,
    /// `42P08` ambiguous_parameter
    AmbiguousParameter,
    /// `42P09` ambiguous_alias
    AmbiguousAlias,
    /// `42P10` invalid_column_reference
    InvalidColumnReference,
    /// `42611` invalid_column_definition
    InvalidColumnDefinition,
    /// `42P11` invalid_cursor_definition
    InvalidCursorDefinition,
    /// `42P12` invalid_database_definition
    InvalidDatabaseDefinition,
    /// `42P13` invalid_function_definition
    InvalidFunctionDefinition,
    /// `42P14` invalid_prepared_statement_definition
    InvalidPstatementDefinition,
    /// `42P15` invalid_schema_definition
    InvalidSchemaDefinition,
    /// `42P16` invalid_table_definition
    InvalidTableDefinition,
    /// `42P17` invalid_object_definition
    InvalidObjectDefinition,
    /// `44000` with_check_option_violation
    WithCheckOptionViolation,
    /// `53000` insufficient_resources
    InsufficientResources,
    /// `53100` disk_full
    DiskFull,
    /// `53200` out_of_memory
    OutOfMemory,
    /// `53300` too_many_connections
    TooManyConnections,
    /// `53400` configuration_limit_exceeded
    ConfigurationLimitExceeded,
    /// `54000` program_limit_exceeded
    ProgramLimitExceeded,
    /// `54001` statement_too_complex
    StatementTooComplex,
    /// `54011` too_many_columns
    TooManyColumns,
    /// `54023` too_many_arguments
    TooManyArguments,
    /// `55000` object_not_in_prerequisite_state
    ObjectNotInPrerequisiteState,
    /// `55006` object_in_use
    ObjectInUse,
    /// `55P02` cant_change_runtime_param
    CantChangeRuntimeParam,
    /// `55P03` lock_not_available
    LockNotAvailable,
    /// `55P04` unsafe_new_enum_value_usage
    UnsafeNewEnumValueUsage,
    /// `57000` operator_intervention
    OperatorIntervention,
    /// `57014` query_canceled
    QueryCanceled,
    /// `57P01` admin_shutdown
    AdminShutdown,
    /// `57P02` crash_shutdown
    CrashShutdown,
    /// `57P03` cannot_connect_now
    CannotConnectNow,
    /// `57P04` database_dropped
    DatabaseDropped,
    /// `57P05` idle_session_timeout
    IdleSessionTimeout,
    /// `58000` system_error
    SystemError,
    /// `58030` io_error
    IoError,
    /// `58P01` undefined_file
    UndefinedFile,
    /// `58P02` duplicate_file
    DuplicateFile,
    /// `72000` snapshot_too_old
    SnapshotTooOld,
    /// `F0000` config_file_error
    ConfigFileError,
    /// `F0001` lock_file_exists
    LockFileExists,
    /// `HV000` fdw_error
    FdwError,
    /// `HV005` fdw_column_name_not_found
    FdwColumnNameNotFound,
    /// `HV002` fdw_dynamic_parameter_value_needed
    FdwDynamicParameterValueNeeded,
    /// `HV010` fdw_function_sequence_error
    FdwFunctionSequenceError,
    /// `HV021` fdw_inconsistent_descriptor_information
    FdwInconsistentDescriptorInformation,
    /// `HV024` fdw_invalid_attribute_value
    FdwInvalidAttributeValue,
    /// `HV007` fdw_invalid_column_name
    FdwInvalidColumnName,
    /// `HV008` fdw_invalid_column_number
    FdwInvalidColumnNumber,
    /// `HV004` fdw_invalid_data_type
    FdwInvalidDataType,
    /// `HV006` fdw_invalid_data_type_descriptors
    FdwInvalidDataTypeDescriptors,
    /// `HV091` fdw_invalid_descriptor_field_identifier
    FdwInvalidDescriptorFieldIdentifier,
    /// `HV00B` fdw_invalid_handle
    FdwInvalidHandle,
    /// `HV00C` fdw_invalid_option_index
    FdwInvalidOptionIndex,
    /// `HV00D` fdw_invalid_option_name
    FdwInvalidOptionName,
    /// `HV090` fdw_invalid_string_length_or_buffer_length
    FdwInvalidStringLengthOrBufferLength,
    /// `HV00A` fdw_invalid_string_format
    FdwInvalidStringFormat,
    /// `HV009` fdw_invalid_use_of_null_pointer
    FdwInvalidUseOfNullPointer,
    /// `HV014` fdw_too_many_handles
    FdwTooManyHandles,
    /// `HV001` fdw_out_of_memory
    FdwOutOfMemory,
    /// `HV00P` fdw_no_schemas
    FdwNoSchemas,
    /// `HV00J` fdw_option_name_not_found
    FdwOptionNameNotFound,
    /// `HV00K` fdw_reply_handle
    FdwReplyHandle,
    /// `HV00Q` fdw_schema_not_found
    FdwSchemaNotFound,
    /// `HV00R` fdw_table_not_found
    FdwTableNotFound,
    /// `HV00L` fdw_unable_to_create_execution
    FdwUnableToCreateExecution,
    /// `HV00M` fdw_unable_to_create_reply
    FdwUnableToCreateReply,
    /// `HV00N` fdw_unable_to_establish_connection
    FdwUnableToEstablishConnection,
    /// `P0000` plpgsql_error
    PlpgsqlError,
    /// `P0001` raise_exception
    RaiseException,
    /// `P0002` no_data_found
    NoDataFound,
    /// `P0003` too_many_rows
    TooManyRows,
    /// `P0004` assert_failure
    AssertFailure,
    /// `XX000` internal_error
    InternalError,
    /// `XX001` data_corrupted
    DataCorrupted,
    /// `XX002` index_corrupted
    IndexCorrupted,
    /// A code PostgreSQL does not define (five ASCII characters).
    Other([u8; 5]),
}

/// (state, code, condition name) of every code PostgreSQL defines.
const CODES: &[(SqlState, &str, &str)] = &[
    (
        SqlState::SuccessfulCompletion,
        "00000",
        "successful_completion",
    ),
    (SqlState::Warning, "01000", "warning"),
    (
        SqlState::WarningDynamicResultSetsReturned,
        "0100C",
        "dynamic_result_sets_returned",
    ),
    (
        SqlState::WarningImplicitZeroBitPadding,
        "01008",
        "implicit_zero_bit_padding",
    ),
    (
        SqlState::WarningNullValueEliminatedInSetFunction,
        "01003",
        "null_value_eliminated_in_set_function",
    ),
    (
        SqlState::WarningPrivilegeNotGranted,
        "01007",
        "privilege_not_granted",
    ),
    (
        SqlState::WarningPrivilegeNotRevoked,
        "01006",
        "privilege_not_revoked",
    ),
    (
        SqlState::WarningStringDataRightTruncation,
        "01004",
        "string_data_right_truncation",
    ),
    (
        SqlState::WarningDeprecatedFeature,
        "01P01",
        "deprecated_feature",
    ),
    (SqlState::NoData, "02000", "no_data"),
    (
        SqlState::NoAdditionalDynamicResultSetsReturned,
        "02001",
        "no_additional_dynamic_result_sets_returned",
    ),
    (
        SqlState::SqlStatementNotYetComplete,
        "03000",
        "sql_statement_not_yet_complete",
    ),
    (
        SqlState::ConnectionException,
        "08000",
        "connection_exception",
    ),
    (
        SqlState::ConnectionDoesNotExist,
        "08003",
        "connection_does_not_exist",
    ),
    (SqlState::ConnectionFailure, "08006", "connection_failure"),
    (
        SqlState::SqlclientUnableToEstablishSqlconnection,
        "08001",
        "sqlclient_unable_to_establish_sqlconnection",
    ),
    (
        SqlState::SqlserverRejectedEstablishmentOfSqlconnection,
        "08004",
        "sqlserver_rejected_establishment_of_sqlconnection",
    ),
    (
        SqlState::TransactionResolutionUnknown,
        "08007",
        "transaction_resolution_unknown",
    ),
    (SqlState::ProtocolViolation, "08P01", "protocol_violation"),
    (
        SqlState::TriggeredActionException,
        "09000",
        "triggered_action_exception",
    ),
    (
        SqlState::FeatureNotSupported,
        "0A000",
        "feature_not_supported",
    ),
    (
        SqlState::InvalidTransactionInitiation,
        "0B000",
        "invalid_transaction_initiation",
    ),
    (SqlState::LocatorException, "0F000", "locator_exception"),
    (
        SqlState::LEInvalidSpecification,
        "0F001",
        "invalid_locator_specification",
    ),
    (SqlState::InvalidGrantor, "0L000", "invalid_grantor"),
    (
        SqlState::InvalidGrantOperation,
        "0LP01",
        "invalid_grant_operation",
    ),
    (
        SqlState::InvalidRoleSpecification,
        "0P000",
        "invalid_role_specification",
    ),
    (
        SqlState::DiagnosticsException,
        "0Z000",
        "diagnostics_exception",
    ),
    (
        SqlState::StackedDiagnosticsAccessedWithoutActiveHandler,
        "0Z002",
        "stacked_diagnostics_accessed_without_active_handler",
    ),
    (SqlState::CaseNotFound, "20000", "case_not_found"),
    (
        SqlState::CardinalityViolation,
        "21000",
        "cardinality_violation",
    ),
    (SqlState::DataException, "22000", "data_exception"),
    (
        SqlState::ArraySubscriptError,
        "2202E",
        "array_subscript_error",
    ),
    (
        SqlState::CharacterNotInRepertoire,
        "22021",
        "character_not_in_repertoire",
    ),
    (
        SqlState::DatetimeFieldOverflow,
        "22008",
        "datetime_field_overflow",
    ),
    (SqlState::DivisionByZero, "22012", "division_by_zero"),
    (SqlState::ErrorInAssignment, "22005", "error_in_assignment"),
    (
        SqlState::EscapeCharacterConflict,
        "2200B",
        "escape_character_conflict",
    ),
    (SqlState::IndicatorOverflow, "22022", "indicator_overflow"),
    (
        SqlState::IntervalFieldOverflow,
        "22015",
        "interval_field_overflow",
    ),
    (
        SqlState::InvalidArgumentForLog,
        "2201E",
        "invalid_argument_for_logarithm",
    ),
    (
        SqlState::InvalidArgumentForNtile,
        "22014",
        "invalid_argument_for_ntile_function",
    ),
    (
        SqlState::InvalidArgumentForNthValue,
        "22016",
        "invalid_argument_for_nth_value_function",
    ),
    (
        SqlState::InvalidArgumentForPowerFunction,
        "2201F",
        "invalid_argument_for_power_function",
    ),
    (
        SqlState::InvalidArgumentForWidthBucketFunction,
        "2201G",
        "invalid_argument_for_width_bucket_function",
    ),
    (
        SqlState::InvalidCharacterValueForCast,
        "22018",
        "invalid_character_value_for_cast",
    ),
    (
        SqlState::InvalidDatetimeFormat,
        "22007",
        "invalid_datetime_format",
    ),
    (
        SqlState::InvalidEscapeCharacter,
        "22019",
        "invalid_escape_character",
    ),
    (
        SqlState::InvalidEscapeOctet,
        "2200D",
        "invalid_escape_octet",
    ),
    (
        SqlState::InvalidEscapeSequence,
        "22025",
        "invalid_escape_sequence",
    ),
    (
        SqlState::NonstandardUseOfEscapeCharacter,
        "22P06",
        "nonstandard_use_of_escape_character",
    ),
    (
        SqlState::InvalidIndicatorParameterValue,
        "22010",
        "invalid_indicator_parameter_value",
    ),
    (
        SqlState::InvalidParameterValue,
        "22023",
        "invalid_parameter_value",
    ),
    (
        SqlState::InvalidPrecedingOrFollowingSize,
        "22013",
        "invalid_preceding_or_following_size",
    ),
    (
        SqlState::InvalidRegularExpression,
        "2201B",
        "invalid_regular_expression",
    ),
    (
        SqlState::InvalidRowCountInLimitClause,
        "2201W",
        "invalid_row_count_in_limit_clause",
    ),
    (
        SqlState::InvalidRowCountInResultOffsetClause,
        "2201X",
        "invalid_row_count_in_result_offset_clause",
    ),
    (
        SqlState::InvalidTablesampleArgument,
        "2202H",
        "invalid_tablesample_argument",
    ),
    (
        SqlState::InvalidTablesampleRepeat,
        "2202G",
        "invalid_tablesample_repeat",
    ),
    (
        SqlState::InvalidTimeZoneDisplacementValue,
        "22009",
        "invalid_time_zone_displacement_value",
    ),
    (
        SqlState::InvalidUseOfEscapeCharacter,
        "2200C",
        "invalid_use_of_escape_character",
    ),
    (
        SqlState::MostSpecificTypeMismatch,
        "2200G",
        "most_specific_type_mismatch",
    ),
    (
        SqlState::NullValueNotAllowed,
        "22004",
        "null_value_not_allowed",
    ),
    (
        SqlState::NullValueNoIndicatorParameter,
        "22002",
        "null_value_no_indicator_parameter",
    ),
    (
        SqlState::NumericValueOutOfRange,
        "22003",
        "numeric_value_out_of_range",
    ),
    (
        SqlState::SequenceGeneratorLimitExceeded,
        "2200H",
        "sequence_generator_limit_exceeded",
    ),
    (
        SqlState::StringDataLengthMismatch,
        "22026",
        "string_data_length_mismatch",
    ),
    (
        SqlState::StringDataRightTruncation,
        "22001",
        "string_data_right_truncation",
    ),
    (SqlState::SubstringError, "22011", "substring_error"),
    (SqlState::TrimError, "22027", "trim_error"),
    (
        SqlState::UnterminatedCString,
        "22024",
        "unterminated_c_string",
    ),
    (
        SqlState::ZeroLengthCharacterString,
        "2200F",
        "zero_length_character_string",
    ),
    (
        SqlState::FloatingPointException,
        "22P01",
        "floating_point_exception",
    ),
    (
        SqlState::InvalidTextRepresentation,
        "22P02",
        "invalid_text_representation",
    ),
    (
        SqlState::InvalidBinaryRepresentation,
        "22P03",
        "invalid_binary_representation",
    ),
    (SqlState::BadCopyFileFormat, "22P04", "bad_copy_file_format"),
    (
        SqlState::UntranslatableCharacter,
        "22P05",
        "untranslatable_character",
    ),
    (
        SqlState::DatumVersionMismatch,
        "22P07",
        "datum_version_mismatch",
    ),
    (SqlState::NotAnXmlDocument, "2200L", "not_an_xml_document"),
    (
        SqlState::InvalidXmlDocument,
        "2200M",
        "invalid_xml_document",
    ),
    (SqlState::InvalidXmlContent, "2200N", "invalid_xml_content"),
    (SqlState::InvalidXmlComment, "2200S", "invalid_xml_comment"),
    (
        SqlState::InvalidXmlProcessingInstruction,
        "2200T",
        "invalid_xml_processing_instruction",
    ),
    (
        SqlState::DuplicateJsonObjectKeyValue,
        "22030",
        "duplicate_json_object_key_value",
    ),
    (
        SqlState::InvalidArgumentForSqlJsonDatetimeFunction,
        "22031",
        "invalid_argument_for_sql_json_datetime_function",
    ),
    (SqlState::InvalidJsonText, "22032", "invalid_json_text"),
    (
        SqlState::InvalidSqlJsonSubscript,
        "22033",
        "invalid_sql_json_subscript",
    ),
    (
        SqlState::MoreThanOneSqlJsonItem,
        "22034",
        "more_than_one_sql_json_item",
    ),
    (SqlState::NoSqlJsonItem, "22035", "no_sql_json_item"),
    (
        SqlState::NonNumericSqlJsonItem,
        "22036",
        "non_numeric_sql_json_item",
    ),
    (
        SqlState::NonUniqueKeysInAJsonObject,
        "22037",
        "non_unique_keys_in_a_json_object",
    ),
    (
        SqlState::SingletonSqlJsonItemRequired,
        "22038",
        "singleton_sql_json_item_required",
    ),
    (
        SqlState::SqlJsonArrayNotFound,
        "22039",
        "sql_json_array_not_found",
    ),
    (
        SqlState::SqlJsonMemberNotFound,
        "2203A",
        "sql_json_member_not_found",
    ),
    (
        SqlState::SqlJsonNumberNotFound,
        "2203B",
        "sql_json_number_not_found",
    ),
    (
        SqlState::SqlJsonObjectNotFound,
        "2203C",
        "sql_json_object_not_found",
    ),
    (
        SqlState::TooManyJsonArrayElements,
        "2203D",
        "too_many_json_array_elements",
    ),
    (
        SqlState::TooManyJsonObjectMembers,
        "2203E",
        "too_many_json_object_members",
    ),
    (
        SqlState::SqlJsonScalarRequired,
        "2203F",
        "sql_json_scalar_required",
    ),
    (
        SqlState::SqlJsonItemCannotBeCastToTargetType,
        "2203G",
        "sql_json_item_cannot_be_cast_to_target_type",
    ),
    (
        SqlState::IntegrityConstraintViolation,
        "23000",
        "integrity_constraint_violation",
    ),
    (SqlState::RestrictViolation, "23001", "restrict_violation"),
    (SqlState::NotNullViolation, "23502", "not_null_violation"),
    (
        SqlState::ForeignKeyViolation,
        "23503",
        "foreign_key_violation",
    ),
    (SqlState::UniqueViolation, "23505", "unique_violation"),
    (SqlState::CheckViolation, "23514", "check_violation"),
    (SqlState::ExclusionViolation, "23P01", "exclusion_violation"),
    (
        SqlState::InvalidCursorState,
        "24000",
        "invalid_cursor_state",
    ),
    (
        SqlState::InvalidTransactionState,
        "25000",
        "invalid_transaction_state",
    ),
    (
        SqlState::ActiveSqlTransaction,
        "25001",
        "active_sql_transaction",
    ),
    (
        SqlState::BranchTransactionAlreadyActive,
        "25002",
        "branch_transaction_already_active",
    ),
    (
        SqlState::HeldCursorRequiresSameIsolationLevel,
        "25008",
        "held_cursor_requires_same_isolation_level",
    ),
    (
        SqlState::InappropriateAccessModeForBranchTransaction,
        "25003",
        "inappropriate_access_mode_for_branch_transaction",
    ),
    (
        SqlState::InappropriateIsolationLevelForBranchTransaction,
        "25004",
        "inappropriate_isolation_level_for_branch_transaction",
    ),
    (
        SqlState::NoActiveSqlTransactionForBranchTransaction,
        "25005",
        "no_active_sql_transaction_for_branch_transaction",
    ),
    (
        SqlState::ReadOnlySqlTransaction,
        "25006",
        "read_only_sql_transaction",
    ),
    (
        SqlState::SchemaAndDataStatementMixingNotSupported,
        "25007",
        "schema_and_data_statement_mixing_not_supported",
    ),
    (
        SqlState::NoActiveSqlTransaction,
        "25P01",
        "no_active_sql_transaction",
    ),
    (
        SqlState::InFailedSqlTransaction,
        "25P02",
        "in_failed_sql_transaction",
    ),
    (
        SqlState::IdleInTransactionSessionTimeout,
        "25P03",
        "idle_in_transaction_session_timeout",
    ),
    (
        SqlState::InvalidSqlStatementName,
        "26000",
        "invalid_sql_statement_name",
    ),
    (
        SqlState::TriggeredDataChangeViolation,
        "27000",
        "triggered_data_change_violation",
    ),
    (
        SqlState::InvalidAuthorizationSpecification,
        "28000",
        "invalid_authorization_specification",
    ),
    (SqlState::InvalidPassword, "28P01", "invalid_password"),
    (
        SqlState::DependentPrivilegeDescriptorsStillExist,
        "2B000",
        "dependent_privilege_descriptors_still_exist",
    ),
    (
        SqlState::DependentObjectsStillExist,
        "2BP01",
        "dependent_objects_still_exist",
    ),
    (
        SqlState::InvalidTransactionTermination,
        "2D000",
        "invalid_transaction_termination",
    ),
    (
        SqlState::SqlRoutineException,
        "2F000",
        "sql_routine_exception",
    ),
    (
        SqlState::SREFunctionExecutedNoReturnStatement,
        "2F005",
        "function_executed_no_return_statement",
    ),
    (
        SqlState::SREModifyingSqlDataNotPermitted,
        "2F002",
        "modifying_sql_data_not_permitted",
    ),
    (
        SqlState::SREProhibitedSqlStatementAttempted,
        "2F003",
        "prohibited_sql_statement_attempted",
    ),
    (
        SqlState::SREReadingSqlDataNotPermitted,
        "2F004",
        "reading_sql_data_not_permitted",
    ),
    (SqlState::InvalidCursorName, "34000", "invalid_cursor_name"),
    (
        SqlState::ExternalRoutineException,
        "38000",
        "external_routine_exception",
    ),
    (
        SqlState::EREContainingSqlNotPermitted,
        "38001",
        "containing_sql_not_permitted",
    ),
    (
        SqlState::EREModifyingSqlDataNotPermitted,
        "38002",
        "modifying_sql_data_not_permitted",
    ),
    (
        SqlState::EREProhibitedSqlStatementAttempted,
        "38003",
        "prohibited_sql_statement_attempted",
    ),
    (
        SqlState::EREReadingSqlDataNotPermitted,
        "38004",
        "reading_sql_data_not_permitted",
    ),
    (
        SqlState::ExternalRoutineInvocationException,
        "39000",
        "external_routine_invocation_exception",
    ),
    (
        SqlState::ERIEInvalidSqlstateReturned,
        "39001",
        "invalid_sqlstate_returned",
    ),
    (
        SqlState::ERIENullValueNotAllowed,
        "39004",
        "null_value_not_allowed",
    ),
    (
        SqlState::ERIETriggerProtocolViolated,
        "39P01",
        "trigger_protocol_violated",
    ),
    (
        SqlState::ERIESrfProtocolViolated,
        "39P02",
        "srf_protocol_violated",
    ),
    (
        SqlState::ERIEEventTriggerProtocolViolated,
        "39P03",
        "event_trigger_protocol_violated",
    ),
    (SqlState::SavepointException, "3B000", "savepoint_exception"),
    (
        SqlState::SEInvalidSpecification,
        "3B001",
        "invalid_savepoint_specification",
    ),
    (
        SqlState::InvalidCatalogName,
        "3D000",
        "invalid_catalog_name",
    ),
    (SqlState::InvalidSchemaName, "3F000", "invalid_schema_name"),
    (
        SqlState::TransactionRollback,
        "40000",
        "transaction_rollback",
    ),
    (
        SqlState::TRIntegrityConstraintViolation,
        "40002",
        "transaction_integrity_constraint_violation",
    ),
    (
        SqlState::TRSerializationFailure,
        "40001",
        "serialization_failure",
    ),
    (
        SqlState::TRStatementCompletionUnknown,
        "40003",
        "statement_completion_unknown",
    ),
    (SqlState::TRDeadlockDetected, "40P01", "deadlock_detected"),
    (
        SqlState::SyntaxErrorOrAccessRuleViolation,
        "42000",
        "syntax_error_or_access_rule_violation",
    ),
    (SqlState::SyntaxError, "42601", "syntax_error"),
    (
        SqlState::InsufficientPrivilege,
        "42501",
        "insufficient_privilege",
    ),
    (SqlState::CannotCoerce, "42846", "cannot_coerce"),
    (SqlState::GroupingError, "42803", "grouping_error"),
    (SqlState::WindowingError, "42P20", "windowing_error"),
    (SqlState::InvalidRecursion, "42P19", "invalid_recursion"),
    (SqlState::InvalidForeignKey, "42830", "invalid_foreign_key"),
    (SqlState::InvalidName, "42602", "invalid_name"),
    (SqlState::NameTooLong, "42622", "name_too_long"),
    (SqlState::ReservedName, "42939", "reserved_name"),
    (SqlState::DatatypeMismatch, "42804", "datatype_mismatch"),
    (
        SqlState::IndeterminateDatatype,
        "42P18",
        "indeterminate_datatype",
    ),
    (SqlState::CollationMismatch, "42P21", "collation_mismatch"),
    (
        SqlState::IndeterminateCollation,
        "42P22",
        "indeterminate_collation",
    ),
    (SqlState::WrongObjectType, "42809", "wrong_object_type"),
    (SqlState::GeneratedAlways, "428C9", "generated_always"),
    (SqlState::UndefinedColumn, "42703", "undefined_column"),
    (SqlState::UndefinedFunction, "42883", "undefined_function"),
    (SqlState::UndefinedTable, "42P01", "undefined_table"),
    (SqlState::UndefinedParameter, "42P02", "undefined_parameter"),
    (SqlState::UndefinedObject, "42704", "undefined_object"),
    (SqlState::DuplicateColumn, "42701", "duplicate_column"),
    (SqlState::DuplicateCursor, "42P03", "duplicate_cursor"),
    (SqlState::DuplicateDatabase, "42P04", "duplicate_database"),
    (SqlState::DuplicateFunction, "42723", "duplicate_function"),
    (
        SqlState::DuplicatePstatement,
        "42P05",
        "duplicate_prepared_statement",
    ),
    (SqlState::DuplicateSchema, "42P06", "duplicate_schema"),
    (SqlState::DuplicateTable, "42P07", "duplicate_table"),
    (SqlState::DuplicateAlias, "42712", "duplicate_alias"),
    (SqlState::DuplicateObject, "42710", "duplicate_object"),
    (SqlState::AmbiguousColumn, "42702", "ambiguous_column"),
    (SqlState::AmbiguousFunction, "42725", "ambiguous_function"),
    (SqlState::AmbiguousParameter, "42P08", "ambiguous_parameter"),
    (SqlState::AmbiguousAlias, "42P09", "ambiguous_alias"),
    (
        SqlState::InvalidColumnReference,
        "42P10",
        "invalid_column_reference",
    ),
    (
        SqlState::InvalidColumnDefinition,
        "42611",
        "invalid_column_definition",
    ),
    (
        SqlState::InvalidCursorDefinition,
        "42P11",
        "invalid_cursor_definition",
    ),
    (
        SqlState::InvalidDatabaseDefinition,
        "42P12",
        "invalid_database_definition",
    ),
    (
        SqlState::InvalidFunctionDefinition,
        "42P13",
        "invalid_function_definition",
    ),
    (
        SqlState::InvalidPstatementDefinition,
        "42P14",
        "invalid_prepared_statement_definition",
    ),
    (
        SqlState::InvalidSchemaDefinition,
        "42P15",
        "invalid_schema_definition",
    ),
    (
        SqlState::InvalidTableDefinition,
        "42P16",
        "invalid_table_definition",
    ),
    (
        SqlState::InvalidObjectDefinition,
        "42P17",
        "invalid_object_definition",
    ),
    (
        SqlState::WithCheckOptionViolation,
        "44000",
        "with_check_option_violation",
    ),
    (
        SqlState::InsufficientResources,
        "53000",
        "insufficient_resources",
    ),
    (SqlState::DiskFull, "53100", "disk_full"),
    (SqlState::OutOfMemory, "53200", "out_of_memory"),
    (
        SqlState::TooManyConnections,
        "53300",
        "too_many_connections",
    ),
    (
        SqlState::ConfigurationLimitExceeded,
        "53400",
        "configuration_limit_exceeded",
    ),
    (
        SqlState::ProgramLimitExceeded,
        "54000",
        "program_limit_exceeded",
    ),
    (
        SqlState::StatementTooComplex,
        "54001",
        "statement_too_complex",
    ),
    (SqlState::TooManyColumns, "54011", "too_many_columns"),
    (SqlState::TooManyArguments, "54023", "too_many_arguments"),
    (
        SqlState::ObjectNotInPrerequisiteState,
        "55000",
        "object_not_in_prerequisite_state",
    ),
    (SqlState::ObjectInUse, "55006", "object_in_use"),
    (
        SqlState::CantChangeRuntimeParam,
        "55P02",
        "cant_change_runtime_param",
    ),
    (SqlState::LockNotAvailable, "55P03", "lock_not_available"),
    (
        SqlState::UnsafeNewEnumValueUsage,
        "55P04",
        "unsafe_new_enum_value_usage",
    ),
    (
        SqlState::OperatorIntervention,
        "57000",
        "operator_intervention",
    ),
    (SqlState::QueryCanceled, "57014", "query_canceled"),
    (SqlState::AdminShutdown, "57P01", "admin_shutdown"),
    (SqlState::CrashShutdown, "57P02", "crash_shutdown"),
    (SqlState::CannotConnectNow, "57P03", "cannot_connect_now"),
    (SqlState::DatabaseDropped, "57P04", "database_dropped"),
    (
        SqlState::IdleSessionTimeout,
        "57P05",
        "idle_session_timeout",
    ),
    (SqlState::SystemError, "58000", "system_error"),
    (SqlState::IoError, "58030", "io_error"),
    (SqlState::UndefinedFile, "58P01", "undefined_file"),
    (SqlState::DuplicateFile, "58P02", "duplicate_file"),
    (SqlState::SnapshotTooOld, "72000", "snapshot_too_old"),
    (SqlState::ConfigFileError, "F0000", "config_file_error"),
    (SqlState::LockFileExists, "F0001", "lock_file_exists"),
    (SqlState::FdwError, "HV000", "fdw_error"),
    (
        SqlState::FdwColumnNameNotFound,
        "HV005",
        "fdw_column_name_not_found",
    ),
    (
        SqlState::FdwDynamicParameterValueNeeded,
        "HV002",
        "fdw_dynamic_parameter_value_needed",
    ),
    (
        SqlState::FdwFunctionSequenceError,
        "HV010",
        "fdw_function_sequence_error",
    ),
    (
        SqlState::FdwInconsistentDescriptorInformation,
        "HV021",
        "fdw_inconsistent_descriptor_information",
    ),
    (
        SqlState::FdwInvalidAttributeValue,
        "HV024",
        "fdw_invalid_attribute_value",
    ),
    (
        SqlState::FdwInvalidColumnName,
        "HV007",
        "fdw_invalid_column_name",
    ),
    (
        SqlState::FdwInvalidColumnNumber,
        "HV008",
        "fdw_invalid_column_number",
    ),
    (
        SqlState::FdwInvalidDataType,
        "HV004",
        "fdw_invalid_data_type",
    ),
    (
        SqlState::FdwInvalidDataTypeDescriptors,
        "HV006",
        "fdw_invalid_data_type_descriptors",
    ),
    (
        SqlState::FdwInvalidDescriptorFieldIdentifier,
        "HV091",
        "fdw_invalid_descriptor_field_identifier",
    ),
    (SqlState::FdwInvalidHandle, "HV00B", "fdw_invalid_handle"),
    (
        SqlState::FdwInvalidOptionIndex,
        "HV00C",
        "fdw_invalid_option_index",
    ),
    (
        SqlState::FdwInvalidOptionName,
        "HV00D",
        "fdw_invalid_option_name",
    ),
    (
        SqlState::FdwInvalidStringLengthOrBufferLength,
        "HV090",
        "fdw_invalid_string_length_or_buffer_length",
    ),
    (
        SqlState::FdwInvalidStringFormat,
        "HV00A",
        "fdw_invalid_string_format",
    ),
    (
        SqlState::FdwInvalidUseOfNullPointer,
        "HV009",
        "fdw_invalid_use_of_null_pointer",
    ),
    (SqlState::FdwTooManyHandles, "HV014", "fdw_too_many_handles"),
    (SqlState::FdwOutOfMemory, "HV001", "fdw_out_of_memory"),
    (SqlState::FdwNoSchemas, "HV00P", "fdw_no_schemas"),
    (
        SqlState::FdwOptionNameNotFound,
        "HV00J",
        "fdw_option_name_not_found",
    ),
    (SqlState::FdwReplyHandle, "HV00K", "fdw_reply_handle"),
    (SqlState::FdwSchemaNotFound, "HV00Q", "fdw_schema_not_found"),
    (SqlState::FdwTableNotFound, "HV00R", "fdw_table_not_found"),
    (
        SqlState::FdwUnableToCreateExecution,
        "HV00L",
        "fdw_unable_to_create_execution",
    ),
    (
        SqlState::FdwUnableToCreateReply,
        "HV00M",
        "fdw_unable_to_create_reply",
    ),
    (
        SqlState::FdwUnableToEstablishConnection,
        "HV00N",
        "fdw_unable_to_establish_connection",
    ),
    (SqlState::PlpgsqlError, "P0000", "plpgsql_error"),
    (SqlState::RaiseException, "P0001", "raise_exception"),
    (SqlState::NoDataFound, "P0002", "no_data_found"),
    (SqlState::TooManyRows, "P0003", "too_many_rows"),
    (SqlState::AssertFailure, "P0004", "assert_failure"),
    (SqlState::InternalError, "XX000", "internal_error"),
    (SqlState::DataCorrupted, "XX001", "data_corrupted"),
    (SqlState::IndexCorrupted, "XX002", "index_corrupted"),
];

/// The second names PostgreSQL gives some codes (`ERRCODE_UNDEFINED_DATABASE` is
/// `invalid_catalog_name`, 3D000).
#[allow(non_upper_case_globals)]
impl SqlState {
    /// `2202E`, also [`SqlState::ArraySubscriptError`].
    pub const ArrayElementError: SqlState = SqlState::ArraySubscriptError;
    /// `22008`, also [`SqlState::DatetimeFieldOverflow`].
    pub const DatetimeValueOutOfRange: SqlState = SqlState::DatetimeFieldOverflow;
    /// `34000`, also [`SqlState::InvalidCursorName`].
    pub const UndefinedCursor: SqlState = SqlState::InvalidCursorName;
    /// `3D000`, also [`SqlState::InvalidCatalogName`].
    pub const UndefinedDatabase: SqlState = SqlState::InvalidCatalogName;
    /// `26000`, also [`SqlState::InvalidSqlStatementName`].
    pub const UndefinedPstatement: SqlState = SqlState::InvalidSqlStatementName;
    /// `3F000`, also [`SqlState::InvalidSchemaName`].
    pub const UndefinedSchema: SqlState = SqlState::InvalidSchemaName;
}

impl SqlState {
    /// The five-character code (`42P01`).
    pub fn code(&self) -> &str {
        match self {
            SqlState::Other(bytes) => std::str::from_utf8(bytes).unwrap_or("XX000"),
            known => Self::entry(known).map_or("XX000", |(_, code, _)| code),
        }
    }

    /// PostgreSQL's condition name (`undefined_table`), as PL/pgSQL's exception names; the
    /// code itself for codes PostgreSQL does not define.
    pub fn condition_name(&self) -> &str {
        match self {
            SqlState::Other(_) => self.code(),
            known => Self::entry(known).map_or("internal_error", |(_, _, name)| name),
        }
    }

    /// The state of `code`: PostgreSQL's when it defines it, else [`SqlState::Other`];
    /// `None` unless `code` is five ASCII digits or upper-case letters.
    pub fn from_code(code: &str) -> Option<SqlState> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        if !bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return None;
        }
        let known = CODES
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(s, _, _)| *s);
        Some(known.unwrap_or(SqlState::Other(bytes)))
    }

    /// The class: the code's first two characters (`42` syntax error or access rule
    /// violation, `08` connection exception).
    pub fn class(&self) -> &str {
        &self.code()[..2]
    }

    fn entry(state: &SqlState) -> Option<&'static (SqlState, &'static str, &'static str)> {
        CODES.iter().find(|(s, _, _)| s == state)
    }
}

/// Compares with a code as PostgreSQL writes it (`state == "42P01"`), for tests and logs.
impl PartialEq<str> for SqlState {
    fn eq(&self, code: &str) -> bool {
        self.code() == code
    }
}

impl PartialEq<&str> for SqlState {
    fn eq(&self, code: &&str) -> bool {
        self.code() == *code
    }
}

impl std::fmt::Display for SqlState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        assert_eq!(SqlState::UndefinedTable.code(), "42P01");
        assert_eq!(SqlState::UndefinedTable.condition_name(), "undefined_table");
        assert_eq!(SqlState::from_code("42P01"), Some(SqlState::UndefinedTable));
        for (state, code, _) in CODES {
            assert_eq!(SqlState::from_code(code), Some(*state), "{code}");
        }
    }

    #[test]
    fn other_codes_are_kept() {
        let state = SqlState::from_code("ZZ001").unwrap();
        assert_eq!(state, SqlState::Other(*b"ZZ001"));
        assert_eq!(state.code(), "ZZ001");
        assert_eq!(state.class(), "ZZ");
        assert_eq!(SqlState::from_code("42p01"), None);
        assert_eq!(SqlState::from_code("4201"), None);
    }
}
