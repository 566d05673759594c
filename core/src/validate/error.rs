//! The meaning errors of `.perf` files: one variant, and one stable code, per kind.
//! Every variant carries the same parts: a message, the file, one labelled span, a help.

use crate::located::located_errors;
pub(crate) use crate::located::Detail;

located_errors! {
    /// A meaning error in a `.perf` file.
    pub enum ValidateError / Kind {
        extra {}
    /// Two blocks, steps, variables or keys with the same name.
    DuplicateName => code(perfdsl::validate::duplicate_name);
    /// A setting written twice in one block.
    DuplicateSetting => code(perfdsl::validate::duplicate_setting);
    /// A required setting is missing.
    MissingSetting => code(perfdsl::validate::missing_setting);
    /// `against NAME` names no service or target.
    UnknownTarget => code(perfdsl::validate::unknown_target);
    /// Several services or targets and no `against`.
    AmbiguousTarget => code(perfdsl::validate::ambiguous_target);
    /// A mock name that is not declared.
    UnknownMock => code(perfdsl::validate::unknown_mock);
    /// A database name that is not declared.
    UnknownDatabase => code(perfdsl::validate::unknown_database);
    /// A distribution function other than `uniform`, `normal`, `lognormal`.
    UnknownDistribution => code(perfdsl::validate::unknown_distribution);
    /// Wrong arguments of a distribution.
    BadDistribution => code(perfdsl::validate::bad_distribution);
    /// A `{{ }}` variable that does not exist where it is used.
    UnknownVariable => code(perfdsl::validate::unknown_variable);
    /// A capture used in its own step or before the step that captures it; likewise a
    /// variable set by a step hook, used before that hook runs.
    CaptureBeforeDefinition => code(perfdsl::validate::capture_before_definition);
    /// `{{ }}` where the text must be literal (paths, regexes, names).
    NoInterpolation => code(perfdsl::validate::no_interpolation);
    /// A limit on a metric that does not exist.
    UnknownMetric => code(perfdsl::validate::unknown_metric);
    /// An unknown unit suffix.
    BadUnit => code(perfdsl::validate::bad_unit);
    /// A unit of the wrong kind, or a missing unit.
    UnitMismatch => code(perfdsl::validate::unit_mismatch);
    /// A number outside the range its setting allows.
    OutOfRange => code(perfdsl::validate::out_of_range);
    /// A value of the wrong type or form.
    BadValue => code(perfdsl::validate::bad_value);
    /// Closed and open stages in one load.
    MixedLoadModel => code(perfdsl::validate::mixed_load_model);
    /// A load that cannot run as written.
    LoadShape => code(perfdsl::validate::load_shape);
    /// A method that cannot be used here (`ANY` in a request).
    BadMethod => code(perfdsl::validate::bad_method);
    /// A `?query` in a mock route path.
    QueryInRoute => code(perfdsl::validate::query_in_route);
    /// A malformed mock route path (`:` without a name, a parameter twice).
    BadRoute => code(perfdsl::validate::bad_route);
    /// A mock `host` that is not a host name or a `*.suffix` pattern.
    BadHost => code(perfdsl::validate::bad_host);
    /// Two routes that match exactly the same requests.
    DuplicateRoute => code(perfdsl::validate::duplicate_route);
    /// An empty call range or one starting at 0.
    BadCallRange => code(perfdsl::validate::bad_call_range);
    /// Two call ranges of a route that share a call.
    OverlappingCalls => code(perfdsl::validate::overlapping_calls);
    /// Fault rates that add up to more than 100%.
    FaultRateTotal => code(perfdsl::validate::fault_rate_total);
    /// `retry_after` on a status that does not use it.
    RetryAfterStatus => code(perfdsl::validate::retry_after_status);
    /// A regular expression that does not compile.
    InvalidRegex => code(perfdsl::validate::invalid_regex);
    /// A JSONPath that does not parse.
    InvalidJsonPath => code(perfdsl::validate::invalid_json_path);
    /// A rhai hook that does not compile.
    RhaiCompile => code(perfdsl::validate::rhai_compile);
    }
}
