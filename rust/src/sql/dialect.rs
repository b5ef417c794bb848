//! sqlparser's DuckDB dialect, completed with the DuckDB syntax it lacks so that member
//! expressions parse as DuckDB parses them: `E'...'` escape strings (lexer), and in
//! expressions `GLOB`, `**`, `ISNULL`, `&&`, `#n` positional references and list
//! comprehensions `[e FOR x IN list IF cond]`.

use std::any::TypeId;

use sqlparser::ast::{
    Array, BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgOperator, FunctionArgumentList, FunctionArguments,
    Ident, LambdaFunction, LambdaFunctionParameter, LambdaSyntax, ObjectName, OneOrManyWithParens, Value,
};
use sqlparser::dialect::{Dialect, DuckDbDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// Reports itself as DuckDB to sqlparser's dialect checks (so `//` stays integer division) and
/// delegates every DuckDB setting to sqlparser's own DuckDB dialect.
#[derive(Debug, Default)]
pub struct DuckDb(DuckDbDialect);

macro_rules! delegate {
    ($($name:ident),* $(,)?) => {
        $(fn $name(&self) -> bool { self.0.$name() })*
    };
}

impl Dialect for DuckDb {
    fn dialect(&self) -> TypeId {
        TypeId::of::<DuckDbDialect>()
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.0.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.0.is_identifier_part(ch)
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.0.is_delimited_identifier_start(ch)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.0.identifier_quote_style(identifier)
    }
    fn supports_string_literal_column_alias(&self, explicit: bool) -> bool {
        self.0.supports_string_literal_column_alias(explicit)
    }
    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        self.0.supports_string_literal_table_alias(explicit)
    }
    delegate!(
        supports_cte_materialization,
        supports_trailing_commas,
        supports_filter_during_aggregation,
        supports_group_by_expr,
        supports_bitwise_shift_operators,
        supports_tilde_like_match_operator,
        supports_aggregate_order_by_with_empty_args,
        supports_comparison_in_between_low_bound,
        supports_named_fn_args_with_eq_operator,
        supports_named_fn_args_with_assignment_operator,
        supports_dictionary_syntax,
        support_map_literal_syntax,
        supports_lambda_functions,
        allow_extract_single_quotes,
        supports_array_typedef_with_brackets,
        supports_from_first_select,
        supports_order_by_all,
        supports_select_wildcard_exclude,
        supports_notnull_operator,
        supports_select_wildcard_replace,
        supports_comma_separated_trim,
        supports_numeric_literal_underscores,
        supports_nested_comments,
    );
    fn supports_string_escape_constant(&self) -> bool {
        true
    }
    fn supports_lambda_keyword_syntax(&self) -> bool {
        true
    }

    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        match &parser.peek_token_ref().token {
            Token::LBracket => Some(parse_list(parser)),
            // sqlparser reads `E'...'` as a value only for Postgres.
            Token::EscapedStringLiteral(_) => Some(parser.parse_value().map(Expr::Value)),
            // `#1`: the first column of the enclosing SELECT.
            Token::Sharp if matches!(parser.peek_nth_token_ref(1).token, Token::Number(..)) => {
                parser.advance_token();
                Some(parser.parse_value().map(Expr::Value))
            }
            _ => None,
        }
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        let prec = |p: Precedence| Some(Ok(self.prec_value(p)));
        match &parser.peek_token_ref().token {
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("glob") => prec(Precedence::Like),
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("isnull") => prec(Precedence::Is),
            Token::Mul if parser.peek_nth_token_ref(1).token == Token::Mul => prec(Precedence::Caret),
            Token::Overlap => prec(Precedence::PgOther),
            _ => None,
        }
    }

    fn parse_infix(&self, parser: &mut Parser, expr: &Expr, precedence: u8) -> Option<Result<Expr, ParserError>> {
        let binary = |parser: &mut Parser, op: &str, tokens: usize| {
            for _ in 0..tokens {
                parser.advance_token();
            }
            parser.parse_subexpr(precedence).map(|right| Expr::BinaryOp {
                left: Box::new(expr.clone()),
                op: BinaryOperator::Custom(op.to_string()),
                right: Box::new(right),
            })
        };
        match &parser.peek_token_ref().token {
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("glob") => Some(binary(parser, "GLOB", 1)),
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("isnull") => {
                parser.advance_token();
                Some(Ok(Expr::IsNull(Box::new(expr.clone()))))
            }
            Token::Mul if parser.peek_nth_token_ref(1).token == Token::Mul => Some(binary(parser, "**", 2)),
            Token::Overlap => Some(binary(parser, "&&", 1)),
            _ => None,
        }
    }
}

/// `[a, b, ...]` or the comprehension `[e FOR x[, i] IN list [IF cond]]`, which is read as the
/// calls DuckDB's own grammar turns it into, so that it prints as SQL DuckDB runs the same way
/// (`x` is bound in `e` and `cond`, not in `list`):
/// `list_apply(list, lambda x: e)`, and with a condition
/// `list_apply(list_filter(list_apply(list, lambda x: struct_pack(filter := cond, result := e)),
/// lambda elem: struct_extract(elem, 'filter')), lambda elem: struct_extract(elem, 'result'))`.
fn parse_list(parser: &mut Parser) -> Result<Expr, ParserError> {
    parser.expect_token(&Token::LBracket)?;
    if parser.consume_token(&Token::RBracket) {
        return Ok(Expr::Array(Array { elem: Vec::new(), named: false }));
    }
    let first = parser.parse_expr()?;
    if parser.parse_keyword(Keyword::FOR) {
        let mut params = vec![parser.parse_identifier()?];
        while parser.consume_token(&Token::Comma) {
            params.push(parser.parse_identifier()?);
        }
        parser.expect_keyword(Keyword::IN)?;
        let list = parser.parse_expr()?;
        let condition = if parser.parse_keyword(Keyword::IF) { Some(parser.parse_expr()?) } else { None };
        parser.expect_token(&Token::RBracket)?;
        return Ok(comprehension(first, params, list, condition));
    }
    let mut elem = vec![first];
    while parser.consume_token(&Token::Comma) {
        if parser.peek_token_ref().token == Token::RBracket {
            break; // trailing comma
        }
        elem.push(parser.parse_expr()?);
    }
    parser.expect_token(&Token::RBracket)?;
    Ok(Expr::Array(Array { elem, named: false }))
}

fn comprehension(result: Expr, params: Vec<Ident>, list: Expr, condition: Option<Expr>) -> Expr {
    let Some(condition) = condition else {
        return call("list_apply", vec![unnamed(list), unnamed(lambda(params, result))]);
    };
    let pair = call("struct_pack", vec![named("filter", condition), named("result", result)]);
    let pairs = call("list_apply", vec![unnamed(list), unnamed(lambda(params, pair))]);
    let field = |name: &str| {
        let elem = Expr::Identifier(Ident::new("elem"));
        lambda(vec![Ident::new("elem")], call("struct_extract", vec![unnamed(elem), unnamed(string(name))]))
    };
    let kept = call("list_filter", vec![unnamed(pairs), unnamed(field("filter"))]);
    call("list_apply", vec![unnamed(kept), unnamed(field("result"))])
}

fn call(name: &str, args: Vec<FunctionArg>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList { duplicate_treatment: None, args, clauses: Vec::new() }),
        within_group: Vec::new(),
        filter: None,
        null_treatment: None,
        over: None,
    })
}

fn lambda(params: Vec<Ident>, body: Expr) -> Expr {
    let params = params.into_iter().map(|name| LambdaFunctionParameter { name, data_type: None }).collect();
    Expr::Lambda(LambdaFunction { params: OneOrManyWithParens::Many(params), body: Box::new(body), syntax: LambdaSyntax::LambdaKeyword })
}

fn unnamed(expr: Expr) -> FunctionArg {
    FunctionArg::Unnamed(FunctionArgExpr::Expr(expr))
}

fn named(name: &str, expr: Expr) -> FunctionArg {
    FunctionArg::Named { name: Ident::new(name), arg: FunctionArgExpr::Expr(expr), operator: FunctionArgOperator::Assignment }
}

fn string(text: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(text.to_string()))
}
