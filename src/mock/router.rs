//! Route lookup: a trie of path segments searched in precedence order, so the cost of a
//! match depends on the path's length, not on the number of routes.
//!
//! Precedence (docs/mocks.md): paths compare segment by segment, a literal beating a
//! `:param` beating `*`, and a path that ends beating a `*` that would match nothing;
//! then more `when` matchers win; then the route declared first. A depth-first search
//! that tries literal, then param, then wildcard children visits the path shapes exactly
//! in that order, so the first route found whose method and matchers accept the request
//! is the most specific one.

use std::collections::HashMap;

use perfdsl_core::model::{Route, Segment};

#[derive(Debug, Default)]
struct Node {
    literals: HashMap<String, Node>,
    param: Option<Box<Node>>,
    /// Routes whose path ends here.
    end: Vec<usize>,
    /// Routes whose path ends here with `*` (the rest, possibly empty).
    wildcard: Vec<usize>,
}

/// The routes of one mock, indexed by path.
#[derive(Debug, Default)]
pub(crate) struct Router {
    root: Node,
}

impl Router {
    /// Indexes routes; ids are positions in `routes`.
    pub(super) fn new(routes: &[Route]) -> Router {
        let mut root = Node::default();
        for (id, r) in routes.iter().enumerate() {
            let mut node = &mut root;
            let mut wildcard = false;
            for seg in &r.path {
                node = match seg {
                    Segment::Literal(l) => node.literals.entry(l.clone()).or_default(),
                    Segment::Param(_) => node.param.get_or_insert_with(Box::default),
                    Segment::Wildcard => {
                        wildcard = true;
                        break;
                    }
                };
            }
            if wildcard {
                node.wildcard.push(id);
            } else {
                node.end.push(id);
            }
        }
        // Within one path shape: more matchers first, then declaration order.
        let key = |id: &usize| (std::cmp::Reverse(routes[*id].matchers.len()), *id);
        sort_lists(&mut root, &key);
        Router { root }
    }

    /// The most specific route for these (decoded) path segments that `accept` takes
    /// (method and `when` matchers are the caller's business).
    pub(super) fn find(
        &self,
        segments: &[&str],
        accept: &mut dyn FnMut(usize) -> bool,
    ) -> Option<usize> {
        search(&self.root, segments, accept)
    }
}

fn sort_lists(node: &mut Node, key: &dyn Fn(&usize) -> (std::cmp::Reverse<usize>, usize)) {
    node.end.sort_by_key(key);
    node.wildcard.sort_by_key(key);
    for child in node.literals.values_mut() {
        sort_lists(child, key);
    }
    if let Some(p) = node.param.as_deref_mut() {
        sort_lists(p, key);
    }
}

fn search(node: &Node, rest: &[&str], accept: &mut dyn FnMut(usize) -> bool) -> Option<usize> {
    let Some((first, tail)) = rest.split_first() else {
        return first_accepted(&node.end, accept)
            .or_else(|| first_accepted(&node.wildcard, accept));
    };
    if let Some(child) = node.literals.get(*first) {
        if let Some(id) = search(child, tail, accept) {
            return Some(id);
        }
    }
    if let Some(child) = node.param.as_deref() {
        if let Some(id) = search(child, tail, accept) {
            return Some(id);
        }
    }
    first_accepted(&node.wildcard, accept)
}

fn first_accepted(ids: &[usize], accept: &mut dyn FnMut(usize) -> bool) -> Option<usize> {
    ids.iter().copied().find(|id| accept(*id))
}

/// The values of a route's `:param` segments for a request path it matched.
pub(crate) fn params<'a>(route: &'a Route, segments: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    route
        .path
        .iter()
        .zip(segments)
        .filter_map(|(seg, value)| match seg {
            Segment::Param(name) => Some((name.as_str(), *value)),
            _ => None,
        })
        .collect()
}

/// `POST /v1/charges/:id`, as written.
pub(crate) fn label(route: &Route) -> String {
    let method = match route.method {
        perfdsl_core::model::RouteMethod::Any => "ANY",
        perfdsl_core::model::RouteMethod::Only(m) => m.as_str(),
    };
    let path: Vec<String> = route
        .path
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => l.clone(),
            Segment::Param(p) => format!(":{p}"),
            Segment::Wildcard => "*".to_string(),
        })
        .collect();
    format!("{method} /{}", path.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfdsl_core::model::{Method, Response, RouteMethod};

    pub(crate) fn route(method: RouteMethod, path: &str, matchers: usize) -> Route {
        let path = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "*" => Segment::Wildcard,
                p if p.starts_with(':') => Segment::Param(p[1..].to_string()),
                l => Segment::Literal(l.to_string()),
            })
            .collect();
        let m = perfdsl_core::model::Matcher::Body(perfdsl_core::model::Predicate::Exists);
        Route {
            method,
            path,
            matchers: vec![m; matchers],
            response: Response {
                status: 200,
                headers: vec![],
                body: None,
                latency: None,
                faults: vec![],
            },
            calls: vec![],
            expects: vec![],
            origin: perfdsl_core::model::Origin::default(),
        }
    }

    fn find(routes: &[Route], path: &str) -> Option<usize> {
        let router = Router::new(routes);
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        router.find(&segs, &mut |_| true)
    }

    const GET: RouteMethod = RouteMethod::Only(Method::Get);

    #[test]
    fn literal_beats_param_beats_wildcard() {
        let routes: Vec<Route> = ["/v1/items/*", "/v1/items/:id", "/v1/items/featured"]
            .into_iter()
            .map(|p| route(GET, p, 0))
            .collect();
        assert_eq!(find(&routes, "/v1/items/featured"), Some(2));
        assert_eq!(find(&routes, "/v1/items/42"), Some(1));
        assert_eq!(find(&routes, "/v1/items/42/reviews"), Some(0));
        assert_eq!(
            find(&routes, "/v1/items"),
            Some(0),
            "`*` matches an empty rest"
        );
        assert_eq!(find(&routes, "/v2/items"), None);
    }

    #[test]
    fn earlier_literal_segment_decides_before_later_ones() {
        // Segment by segment: the second segments are `:x` and the literal `b`, so
        // `/a/b/*` wins for `/a/b/c` although `/a/:x/c` has more literals overall.
        let routes = [route(GET, "/a/:x/c", 0), route(GET, "/a/b/*", 0)];
        assert_eq!(find(&routes, "/a/b/c"), Some(1));
        assert_eq!(find(&routes, "/a/z/c"), Some(0));
        // A path that ends beats a wildcard matching nothing.
        let routes = [route(GET, "/a/*", 0), route(GET, "/a", 0)];
        assert_eq!(find(&routes, "/a"), Some(1));
    }

    #[test]
    fn more_matchers_win_then_first_declared() {
        let routes = [
            route(GET, "/x", 1),
            route(GET, "/x", 2),
            route(GET, "/x", 2),
        ];
        assert_eq!(find(&routes, "/x"), Some(1));
        let router = Router::new(&routes);
        assert_eq!(router.find(&["x"], &mut |id| id != 1), Some(2));
        assert_eq!(router.find(&["x"], &mut |id| id == 0), Some(0));
    }

    #[test]
    fn backtracks_when_the_literal_branch_rejects() {
        let routes = [route(GET, "/a/:id", 0), route(GET, "/a/b", 1)];
        let router = Router::new(&routes);
        assert_eq!(router.find(&["a", "b"], &mut |id| id != 1), Some(0));
    }

    #[test]
    fn params_are_taken_from_the_matched_route() {
        let r = route(GET, "/v1/:kind/items/:id/*", 0);
        let p = params(&r, &["v1", "books", "items", "7", "x", "y"]);
        assert_eq!(p, vec![("kind", "books"), ("id", "7")]);
        assert_eq!(label(&r), "GET /v1/:kind/items/:id/*");
    }

    #[test]
    fn a_thousand_routes_match_in_microseconds() {
        let mut routes = Vec::new();
        for i in 0..250 {
            routes.push(route(GET, &format!("/svc{i}/items/:id"), 0));
            routes.push(route(GET, &format!("/svc{i}/items/featured"), 0));
            routes.push(route(RouteMethod::Any, &format!("/svc{i}/admin/*"), 0));
            routes.push(route(GET, &format!("/v1/shared/item{i}"), 1));
        }
        let router = Router::new(&routes);
        let paths: Vec<Vec<String>> = (0..1000)
            .map(|i| match i % 4 {
                0 => format!("/svc{}/items/{i}", i % 250),
                1 => format!("/svc{}/items/featured", i % 250),
                2 => format!("/svc{}/admin/a/b/c", i % 250),
                _ => format!("/v1/shared/item{}", i % 250),
            })
            .map(|p| {
                p.split('/')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .collect();
        let start = std::time::Instant::now();
        let mut found = 0;
        let rounds = 100;
        for _ in 0..rounds {
            for p in &paths {
                let segs: Vec<&str> = p.iter().map(String::as_str).collect();
                found += usize::from(router.find(&segs, &mut |_| true).is_some());
            }
        }
        let per = start.elapsed() / (rounds * paths.len()) as u32;
        let build = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        crate::errln!("1000 routes: {per:?} per match ({build} build)");
        assert_eq!(found, rounds * paths.len());
        let segs = ["svc7", "items", "featured"];
        assert_eq!(router.find(&segs, &mut |_| true), Some(7 * 4 + 1));
        let segs = ["v1", "shared", "item9"];
        assert_eq!(router.find(&segs, &mut |_| true), Some(9 * 4 + 3));
    }
}
