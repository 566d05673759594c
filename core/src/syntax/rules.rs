//! A reader's name for each grammar rule, for "expected X" in messages.

use super::Rule;

/// A reader's name for a grammar rule.
pub(super) fn describe(rule: Rule) -> String {
    let name = format!("{rule:?}");
    if let Some(k) = name.strip_prefix("k_") {
        return format!("`{k}`");
    }
    let kw = |k: &str| format!("`{k}`");
    match rule {
        Rule::EOI => "end of file".into(),
        Rule::file => {
            "a `service`, `target`, `mock`, `database`, `scenario` or `import` block".into()
        }
        Rule::ident | Rule::env_key => "a name".into(),
        Rule::metric => "a metric name".into(),
        Rule::string => "a string".into(),
        Rule::quantity | Rule::number | Rule::json_number => "a number".into(),
        Rule::unit => "a unit".into(),
        Rule::cmp_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)".into(),
        Rule::method => "an HTTP method (`GET`, `POST`, ...)".into(),
        Rule::path => "a path starting with `/`".into(),
        Rule::fenced | Rule::fence => "a code block (```...```)".into(),
        Rule::interp => "`{{ name }}`".into(),
        Rule::json_object => "a JSON object".into(),
        Rule::json_array => "a JSON array".into(),
        Rule::json_member => "a JSON member (`\"key\": value`)".into(),
        Rule::list => "a list (`[...]`)".into(),
        Rule::predicate => "a predicate (`== value`, `contains`, `exists`, ...)".into(),
        Rule::distribution | Rule::dist_call => "a duration or distribution".into(),
        Rule::call_range => "a call number or range (`1`, `2..3`, `4..`)".into(),
        Rule::import => kw("import"),
        Rule::service => kw("service"),
        Rule::target => kw("target"),
        Rule::mock => kw("mock"),
        Rule::database => kw("database"),
        Rule::scenario => kw("scenario"),
        Rule::svc_run => kw("run"),
        Rule::svc_dir => kw("dir"),
        Rule::svc_env => kw("env"),
        Rule::svc_base_url => kw("base_url"),
        Rule::svc_port => kw("port"),
        Rule::svc_ready => kw("ready"),
        Rule::svc_grace => kw("grace"),
        Rule::svc_log => kw("log"),
        Rule::env_entry => "an environment entry (`NAME = \"value\"`)".into(),
        Rule::env_call => kw("env"),
        Rule::db_url => kw("url"),
        Rule::db_setup => kw("setup"),
        Rule::db_reset => kw("reset"),
        Rule::sql_file => kw("file"),
        Rule::sql_inline => kw("sql"),
        Rule::latency => kw("latency"),
        Rule::seed => kw("seed"),
        Rule::mock_host => kw("host"),
        Rule::fault => kw("fail"),
        Rule::fault_status => "a status code".into(),
        Rule::call_expect | Rule::expect => kw("expect"),
        Rule::route => kw("on"),
        Rule::when => kw("when"),
        Rule::m_query | Rule::q_query => kw("query"),
        Rule::m_header | Rule::r_header | Rule::q_header | Rule::e_header | Rule::cap_header => {
            kw("header")
        }
        Rule::m_json | Rule::e_json | Rule::cap_json | Rule::body_json => kw("json"),
        Rule::m_body | Rule::e_body => kw("body"),
        Rule::r_status | Rule::e_status => kw("status"),
        Rule::body_text => kw("text"),
        Rule::body_file => kw("file"),
        Rule::body_form => kw("form"),
        Rule::form_entry => "a form field (`name = \"value\"`)".into(),
        Rule::call_seq => kw("call"),
        Rule::s_against => kw("against"),
        Rule::s_think => kw("think"),
        Rule::s_timeout => kw("timeout"),
        Rule::s_redirects => kw("redirects"),
        Rule::s_data => kw("data"),
        Rule::s_vars => kw("vars"),
        Rule::var_entry => "a variable (`name = value`)".into(),
        Rule::s_hook | Rule::step_hook => "`before` or `after`".into(),
        Rule::s_load => kw("load"),
        Rule::st_vus => kw("vus"),
        Rule::st_iterations => kw("iterations"),
        Rule::st_rate => kw("rate"),
        Rule::st_ramp | Rule::st_ramp_vus => kw("ramp"),
        Rule::opt_warmup => kw("warmup"),
        Rule::opt_max_vus => kw("max_vus"),
        Rule::step => kw("step"),
        Rule::e_duration => kw("duration"),
        Rule::capture => kw("capture"),
        Rule::cap_regex => kw("regex"),
        Rule::limits => kw("limits"),
        Rule::limit => "a limit (`metric < value`)".into(),
        _ => name.replace('_', " "),
    }
}
