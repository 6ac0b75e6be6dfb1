//! Rule conditions in CEL (Common Expression Language), parsed with the `cel-parser` crate and
//! compiled into a small typed tree that evaluates without allocating.
//!
//! Supported: literals (bool, int, double, string), signal names (`score.ransom`,
//! `entities.phone`, `item.kind`...), `!`, `&&`, `||`, `?:`, `==`, `!=`, `<`, `<=`, `>`, `>=`,
//! `+`, `-`, `*`, `/`, unary `-`, `x in [literal, ...]`, and the string methods
//! `startsWith`, `endsWith`, `contains`. Ints and doubles mix in arithmetic and comparisons.
//! Everything is type-checked at compile time: an unknown name or a type mismatch is an error
//! with its position, never a silent `false`.

use crate::signals::{Schema, Signals, Type, Value};
use cel_parser::ast::{operators, Expr};
use cel_parser::reference::Val;
use cel_parser::{Expression, Parser};
use std::fmt;

/// A compile error: the message and the 1-based column in the condition, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// 1-based column of the offending part, when it can be located.
    pub column: Option<usize>,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(f, "column {column}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// An evaluation error (division by zero, integer overflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrFn {
    StartsWith,
    EndsWith,
    Contains,
}

/// A compiled, typed expression.
#[derive(Debug, Clone)]
enum Node {
    Const(Value),
    Signal(usize),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    If(Box<Node>, Box<Node>, Box<Node>),
    Compare(Cmp, Box<Node>, Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    In(Box<Node>, Vec<Value>),
    StrFn(StrFn, Box<Node>, Box<Node>),
}

/// A compiled condition (its result type is always `bool`).
#[derive(Debug, Clone)]
pub struct Condition {
    node: Node,
    source: String,
}

impl Condition {
    /// Parses and type-checks `source` against `schema`.
    pub fn compile(source: &str, schema: &Schema) -> Result<Condition, CompileError> {
        let expr = parse(source)?.map_err(|errors| {
            let first = errors.errors.first();
            CompileError {
                message: format!(
                    "syntax error: {}",
                    first.map_or("cannot parse".to_string(), |e| e.msg.clone())
                ),
                column: first.map(|e| e.pos.1.max(0) as usize + 1),
            }
        })?;
        let compiler = Compiler { schema, source };
        let (node, ty) = compiler.compile(&expr)?;
        if ty != Type::Bool {
            return Err(CompileError {
                message: format!("the condition is a {ty}, not a bool"),
                column: Some(1),
            });
        }
        Ok(Condition {
            node,
            source: source.to_string(),
        })
    }

    /// The CEL source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates against one item's signals.
    pub fn eval(&self, signals: &Signals) -> Result<bool, EvalError> {
        match eval(&self.node, signals)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError(format!("condition gave {other}, not a bool"))),
        }
    }
}

/// Parses with `cel-parser`. Its ANTLR runtime panics on some malformed input (seen here on a
/// dangling operator, `score.ransom >= `): the panic becomes a syntax error, and the default
/// panic message is kept off stderr while parsing (policies load once, at start).
fn parse(source: &str) -> Result<Result<Expression, cel_parser::ParseErrors>, CompileError> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let parsed = std::panic::catch_unwind(|| Parser::new().parse(source));
    std::panic::set_hook(hook);
    parsed.map_err(|_| CompileError {
        message: "syntax error: the expression is incomplete or malformed".to_string(),
        column: None,
    })
}

struct Compiler<'a> {
    schema: &'a Schema,
    source: &'a str,
}

impl Compiler<'_> {
    fn error(&self, message: String, near: Option<&str>) -> CompileError {
        let column = near.and_then(|n| self.source.find(n)).map(|i| i + 1);
        CompileError { message, column }
    }

    fn compile(&self, expr: &Expression) -> Result<(Node, Type), CompileError> {
        match &expr.expr {
            Expr::Literal(val) => {
                let value = match val {
                    Val::Boolean(b) => Value::Bool(*b),
                    Val::Int(i) => Value::Int(*i),
                    Val::UInt(u) => Value::Int(
                        i64::try_from(*u)
                            .map_err(|_| self.error(format!("integer {u} is too large"), None))?,
                    ),
                    Val::Double(d) => Value::Double(*d),
                    Val::String(s) => Value::Str(s.clone()),
                    other => return Err(self.error(format!("unsupported literal {other:?}"), None)),
                };
                let ty = type_of(&value);
                Ok((Node::Const(value), ty))
            }
            Expr::Ident(_) | Expr::Select(_) => {
                let name = dotted_name(expr)
                    .ok_or_else(|| self.error("unsupported field access".to_string(), None))?;
                match self.schema.lookup(&name) {
                    Some((slot, ty)) => Ok((Node::Signal(slot), ty)),
                    None => {
                        let hint = self
                            .schema
                            .closest(&name)
                            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                        Err(self.error(format!("unknown signal `{name}`{hint}"), Some(&name)))
                    }
                }
            }
            Expr::Call(call) => self.call(call),
            Expr::List(_) => Err(self.error(
                "a list is only allowed on the right of `in`".to_string(),
                Some("["),
            )),
            other => Err(self.error(format!("unsupported expression {}", kind_name(other)), None)),
        }
    }

    fn call(&self, call: &cel_parser::ast::CallExpr) -> Result<(Node, Type), CompileError> {
        let name = call.func_name.as_str();
        if let Some(target) = &call.target {
            let function = match name {
                "startsWith" => StrFn::StartsWith,
                "endsWith" => StrFn::EndsWith,
                "contains" => StrFn::Contains,
                _ => {
                    return Err(self.error(
                        format!(
                            "unknown function `{name}` (known: startsWith, endsWith, contains)"
                        ),
                        Some(name),
                    ))
                }
            };
            let (t, tt) = self.compile(target)?;
            if call.args.len() != 1 {
                return Err(self.error(format!("`{name}` takes one argument"), Some(name)));
            }
            let (a, at) = self.compile(&call.args[0])?;
            if tt != Type::String || at != Type::String {
                return Err(self.error(
                    format!("`{name}` works on strings, not {tt} and {at}"),
                    Some(name),
                ));
            }
            return Ok((Node::StrFn(function, Box::new(t), Box::new(a)), Type::Bool));
        }
        let args = &call.args;
        match name {
            operators::LOGICAL_NOT => {
                let (a, ty) = self.compile(&args[0])?;
                self.expect(ty, Type::Bool, "`!`")?;
                Ok((Node::Not(Box::new(a)), Type::Bool))
            }
            operators::NEGATE => {
                let (a, ty) = self.compile(&args[0])?;
                if !is_number(ty) {
                    return Err(self.error(format!("`-` needs a number, not a {ty}"), None));
                }
                Ok((Node::Neg(Box::new(a)), ty))
            }
            operators::LOGICAL_AND | operators::LOGICAL_OR => {
                let (a, at) = self.compile(&args[0])?;
                let (b, bt) = self.compile(&args[1])?;
                let op = if name == operators::LOGICAL_AND {
                    "`&&`"
                } else {
                    "`||`"
                };
                self.expect(at, Type::Bool, op)?;
                self.expect(bt, Type::Bool, op)?;
                let node = if name == operators::LOGICAL_AND {
                    Node::And(Box::new(a), Box::new(b))
                } else {
                    Node::Or(Box::new(a), Box::new(b))
                };
                Ok((node, Type::Bool))
            }
            operators::CONDITIONAL => {
                let (c, ct) = self.compile(&args[0])?;
                self.expect(ct, Type::Bool, "the condition of `?:`")?;
                let (a, at) = self.compile(&args[1])?;
                let (b, bt) = self.compile(&args[2])?;
                let ty = unify(at, bt).ok_or_else(|| {
                    self.error(format!("the branches of `?:` are {at} and {bt}"), None)
                })?;
                Ok((Node::If(Box::new(c), Box::new(a), Box::new(b)), ty))
            }
            operators::EQUALS
            | operators::NOT_EQUALS
            | operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS => {
                let (a, at) = self.compile(&args[0])?;
                let (b, bt) = self.compile(&args[1])?;
                let cmp = match name {
                    operators::EQUALS => Cmp::Eq,
                    operators::NOT_EQUALS => Cmp::Ne,
                    operators::LESS => Cmp::Lt,
                    operators::LESS_EQUALS => Cmp::Le,
                    operators::GREATER => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let comparable = (is_number(at) && is_number(bt))
                    || (at == bt && (matches!(cmp, Cmp::Eq | Cmp::Ne) || at == Type::String));
                if !comparable {
                    return Err(self.error(
                        format!("cannot compare a {at} with a {bt}"),
                        operator_text(name),
                    ));
                }
                Ok((Node::Compare(cmp, Box::new(a), Box::new(b)), Type::Bool))
            }
            operators::ADD | operators::SUBSTRACT | operators::MULTIPLY | operators::DIVIDE => {
                let (a, at) = self.compile(&args[0])?;
                let (b, bt) = self.compile(&args[1])?;
                if !is_number(at) || !is_number(bt) {
                    return Err(self.error(
                        format!("arithmetic needs numbers, not {at} and {bt}"),
                        operator_text(name),
                    ));
                }
                let op = match name {
                    operators::ADD => Arith::Add,
                    operators::SUBSTRACT => Arith::Sub,
                    operators::MULTIPLY => Arith::Mul,
                    _ => Arith::Div,
                };
                let ty = if at == Type::Int && bt == Type::Int {
                    Type::Int
                } else {
                    Type::Double
                };
                Ok((Node::Arith(op, Box::new(a), Box::new(b)), ty))
            }
            operators::IN => {
                let (a, at) = self.compile(&args[0])?;
                let Expr::List(list) = &args[1].expr else {
                    return Err(self.error(
                        "`in` needs a literal list on its right: x in [\"a\", \"b\"]".to_string(),
                        Some(" in "),
                    ));
                };
                let mut values = Vec::new();
                for element in &list.elements {
                    let (node, ty) = self.compile(element)?;
                    let Node::Const(value) = node else {
                        return Err(
                            self.error("list elements must be literals".to_string(), Some("["))
                        );
                    };
                    if unify(at, ty).is_none() {
                        return Err(self.error(
                            format!("`in` compares a {at} with a list holding a {ty}"),
                            Some(" in "),
                        ));
                    }
                    values.push(value);
                }
                Ok((Node::In(Box::new(a), values), Type::Bool))
            }
            _ => Err(self.error(format!("unsupported operator or function `{name}`"), None)),
        }
    }

    fn expect(&self, got: Type, want: Type, what: &str) -> Result<(), CompileError> {
        if got == want {
            Ok(())
        } else {
            Err(self.error(format!("{what} needs a {want}, not a {got}"), None))
        }
    }
}

fn operator_text(name: &str) -> Option<&'static str> {
    Some(match name {
        operators::EQUALS => "==",
        operators::NOT_EQUALS => "!=",
        operators::LESS_EQUALS => "<=",
        operators::GREATER_EQUALS => ">=",
        operators::LESS => "<",
        operators::GREATER => ">",
        operators::ADD => "+",
        operators::SUBSTRACT => "-",
        operators::MULTIPLY => "*",
        operators::DIVIDE => "/",
        _ => return None,
    })
}

fn kind_name(expr: &Expr) -> &'static str {
    match expr {
        Expr::Comprehension(_) => "(comprehension macro)",
        Expr::Map(_) => "(map literal)",
        Expr::Struct(_) => "(struct literal)",
        _ => "",
    }
}

fn dotted_name(expr: &Expression) -> Option<String> {
    match &expr.expr {
        Expr::Ident(name) => Some(name.clone()),
        Expr::Select(select) if !select.test => {
            let mut base = dotted_name(&select.operand)?;
            base.push('.');
            base.push_str(&select.field);
            Some(base)
        }
        _ => None,
    }
}

fn type_of(value: &Value) -> Type {
    match value {
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Double(_) => Type::Double,
        Value::Str(_) => Type::String,
    }
}

fn is_number(ty: Type) -> bool {
    matches!(ty, Type::Int | Type::Double)
}

fn unify(a: Type, b: Type) -> Option<Type> {
    if a == b {
        Some(a)
    } else if is_number(a) && is_number(b) {
        Some(Type::Double)
    } else {
        None
    }
}

fn as_f64(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::Double(d) => *d,
        _ => f64::NAN,
    }
}

fn eval(node: &Node, signals: &Signals) -> Result<Value, EvalError> {
    Ok(match node {
        Node::Const(value) => value.clone(),
        Node::Signal(slot) => signals.get(*slot).clone(),
        Node::Not(a) => Value::Bool(!eval_bool(a, signals)?),
        Node::And(a, b) => Value::Bool(eval_bool(a, signals)? && eval_bool(b, signals)?),
        Node::Or(a, b) => Value::Bool(eval_bool(a, signals)? || eval_bool(b, signals)?),
        Node::If(c, a, b) => {
            if eval_bool(c, signals)? {
                eval(a, signals)?
            } else {
                eval(b, signals)?
            }
        }
        Node::Compare(cmp, a, b) => {
            Value::Bool(compare(*cmp, &eval(a, signals)?, &eval(b, signals)?))
        }
        Node::Arith(op, a, b) => arith(*op, &eval(a, signals)?, &eval(b, signals)?)?,
        Node::Neg(a) => match eval(a, signals)? {
            Value::Int(i) => Value::Int(
                i.checked_neg()
                    .ok_or_else(|| EvalError("integer overflow".into()))?,
            ),
            Value::Double(d) => Value::Double(-d),
            other => return Err(EvalError(format!("cannot negate {other}"))),
        },
        Node::In(a, values) => {
            let a = eval(a, signals)?;
            Value::Bool(values.iter().any(|v| compare(Cmp::Eq, &a, v)))
        }
        Node::StrFn(function, a, b) => {
            let (Value::Str(a), Value::Str(b)) = (eval(a, signals)?, eval(b, signals)?) else {
                return Err(EvalError("string function on a non-string".into()));
            };
            Value::Bool(match function {
                StrFn::StartsWith => a.starts_with(&b),
                StrFn::EndsWith => a.ends_with(&b),
                StrFn::Contains => a.contains(&b),
            })
        }
    })
}

fn eval_bool(node: &Node, signals: &Signals) -> Result<bool, EvalError> {
    // Fast path for the common shapes, without cloning values.
    match node {
        Node::Compare(cmp, a, b) => {
            if let (Some(x), Some(y)) = (number(a, signals), number(b, signals)) {
                return Ok(compare_numbers(*cmp, x, y));
            }
        }
        Node::And(a, b) => return Ok(eval_bool(a, signals)? && eval_bool(b, signals)?),
        Node::Or(a, b) => return Ok(eval_bool(a, signals)? || eval_bool(b, signals)?),
        Node::Not(a) => return Ok(!eval_bool(a, signals)?),
        Node::Signal(slot) => {
            if let Value::Bool(b) = signals.get(*slot) {
                return Ok(*b);
            }
        }
        _ => {}
    }
    match eval(node, signals)? {
        Value::Bool(b) => Ok(b),
        other => Err(EvalError(format!("expected a bool, got {other}"))),
    }
}

/// A number without allocating, for signals and constants.
fn number(node: &Node, signals: &Signals) -> Option<f64> {
    match node {
        Node::Const(v) if matches!(v, Value::Int(_) | Value::Double(_)) => Some(as_f64(v)),
        Node::Signal(slot) => match signals.get(*slot) {
            v @ (Value::Int(_) | Value::Double(_)) => Some(as_f64(v)),
            _ => None,
        },
        _ => None,
    }
}

fn compare_numbers(cmp: Cmp, x: f64, y: f64) -> bool {
    ordered(cmp, &x, &y)
}

/// A comparison on any ordered type.
fn ordered<T: PartialOrd + ?Sized>(cmp: Cmp, x: &T, y: &T) -> bool {
    match cmp {
        Cmp::Eq => x == y,
        Cmp::Ne => x != y,
        Cmp::Lt => x < y,
        Cmp::Le => x <= y,
        Cmp::Gt => x > y,
        Cmp::Ge => x >= y,
    }
}

fn compare(cmp: Cmp, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => ordered(cmp, x.as_str(), y.as_str()),
        // Booleans only compare for (in)equality; the type checker allows nothing else.
        (Value::Bool(x), Value::Bool(y)) => matches!(cmp, Cmp::Eq | Cmp::Ne) && ordered(cmp, x, y),
        (Value::Int(x), Value::Int(y)) => ordered(cmp, x, y),
        _ => compare_numbers(cmp, as_f64(a), as_f64(b)),
    }
}

fn arith(op: Arith, a: &Value, b: &Value) -> Result<Value, EvalError> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let result = match op {
            Arith::Add => x.checked_add(*y),
            Arith::Sub => x.checked_sub(*y),
            Arith::Mul => x.checked_mul(*y),
            Arith::Div => {
                if *y == 0 {
                    return Err(EvalError("division by zero".into()));
                }
                x.checked_div(*y)
            }
        };
        return result
            .map(Value::Int)
            .ok_or_else(|| EvalError("integer overflow".into()));
    }
    let (x, y) = (as_f64(a), as_f64(b));
    Ok(Value::Double(match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => {
            if y == 0.0 {
                return Err(EvalError("division by zero".into()));
            }
            x / y
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(src: &str) -> Result<Condition, CompileError> {
        Condition::compile(src, &Schema::new())
    }

    #[test]
    fn compiles_and_evaluates() {
        let schema = Schema::new();
        let mut signals = schema.values();
        signals.set_named(&schema, "score.ransom", Value::Double(0.8));
        signals.set_named(&schema, "entities.phone", Value::Int(2));
        signals.set_named(&schema, "item.kind", Value::Str("report".into()));
        signals.set_named(&schema, "item.lang", Value::Str("ar-Latn".into()));
        for (src, want) in [
            ("score.ransom >= 0.5 && entities.phone > 0", true),
            (
                "score.ransom >= 0.5 && !(item.kind in [\"report\", \"message\"])",
                false,
            ),
            ("entities.phone + entities.whatsapp >= 2", true),
            ("item.lang.startsWith(\"ar\")", true),
            ("score.ransom * 2 > 1.5 ? true : false", true),
            ("author.strikes >= 1", false),
        ] {
            assert_eq!(compile(src).unwrap().eval(&signals).unwrap(), want, "{src}");
        }
    }

    #[test]
    fn errors_name_the_problem_and_the_position() {
        let err = compile("score.advertisment >= 0.8").unwrap_err();
        assert_eq!(err.column, Some(1));
        assert!(
            err.message.contains("did you mean `score.advertisement`"),
            "{err}"
        );
        let err = compile("score.ransom >= \"high\"").unwrap_err();
        assert!(
            err.message
                .contains("cannot compare a double with a string"),
            "{err}"
        );
        assert_eq!(err.column, Some(14));
        let err = compile("entities.phone").unwrap_err();
        assert!(err.message.contains("not a bool"), "{err}");
        let err = compile("score.ransom >= ").unwrap_err();
        assert!(err.message.starts_with("syntax error"), "{err}");
        let err = compile("item.kind.size() > 2").unwrap_err();
        assert!(err.message.contains("unknown function `size`"), "{err}");
    }

    #[test]
    fn division_by_zero_is_an_evaluation_error() {
        let schema = Schema::new();
        let signals = schema.values();
        let condition = compile("entities.phone / entities.total > 1").unwrap();
        assert!(condition.eval(&signals).is_err());
    }
}
