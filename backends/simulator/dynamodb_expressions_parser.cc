#include "backends/simulator/dynamodb_expressions_parser.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_expressions_internal.h"
#include "backends/simulator/dynamodb_expressions_values.h"

namespace awsfacade::backends::simulator {
namespace expressions_internal {
namespace {

constexpr size_t kMaxExpressionBytes = 4096;
// Parentheses and function calls nest at most this deep in an expression.
// DynamoDB documents no such limit; ours bounds the parser's recursion, and
// no expression a person writes comes near it.
constexpr int kMaxParseNesting = 64;
constexpr int kMaxOperators = 300;
// IN takes at most 100 operands counting the one on its left.
constexpr size_t kMaxInOperands = 100;

constexpr char kMisusedFunctionMessage[] =
    "The function is not allowed to be used this way in an expression; function: ";
constexpr char kAnyTypeName[] = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}";

constexpr char kConditionExpression[] = "ConditionExpression";
constexpr char kUpdateExpression[] = "UpdateExpression";
constexpr char kProjectionExpression[] = "ProjectionExpression";

// ---------------------------------------------------------------------------
// Reserved words (Developer Guide, "Reserved words in DynamoDB"), sorted,
// matched case-insensitively.
// ---------------------------------------------------------------------------

// clang-format off
constexpr absl::string_view kReservedWords[] = {
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL", "ALLOCATE",
    "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY", "AS", "ASC", "ASCII",
    "ASENSITIVE", "ASSERTION", "ASYMMETRIC", "AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH",
    "AUTHORIZATION", "AUTHORIZE", "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE",
    "BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH",
    "BREADTH", "BUCKET", "BULK", "BY", "BYTE", "CALL", "CALLED", "CALLING", "CAPACITY",
    "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG", "CHAR", "CHARACTER", "CHECK", "CLASS",
    "CLOB", "CLOSE", "CLUSTER", "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE",
    "COLLATION", "COLLECTION", "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT",
    "COMPILE", "COMPRESS", "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY",
    "CONSISTENT", "CONSTRAINT", "CONSTRAINTS", "CONSTRUCTOR", "CONSUMED", "CONTINUE", "CONVERT",
    "COPY", "CORRESPONDING", "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE", "CURRENT", "CURSOR",
    "CYCLE", "DATA", "DATABASE", "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC", "DECIMAL",
    "DECLARE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE",
    "DELIMITED", "DEPTH", "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR", "DETACH", "DETERMINISTIC",
    "DIAGNOSTICS", "DIRECTORIES", "DISABLE", "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO",
    "DOMAIN", "DOUBLE", "DROP", "DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE",
    "ELSEIF", "EMPTY", "ENABLE", "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE", "ESCAPED", "EVAL",
    "EVALUATE", "EXCEEDED", "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE", "EXEC", "EXECUTE",
    "EXISTS", "EXIT", "EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL",
    "EXTRACT", "FAIL", "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING",
    "FINAL", "FINISH", "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN",
    "FORMAT", "FORWARD", "FOUND", "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL",
    "GENERATE", "GET", "GLOB", "GLOBAL", "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING",
    "HANDLER", "HASH", "HAVE", "HAVING", "HEAP", "HIDDEN", "HOLD", "HOUR", "IDENTIFIED",
    "IDENTITY", "IF", "IGNORE", "IMMEDIATE", "IMPORT", "IN", "INCLUDING", "INCLUSIVE",
    "INCREMENT", "INCREMENTAL", "INDEX", "INDEXED", "INDEXES", "INDICATOR", "INFINITE",
    "INITIALLY", "INLINE", "INNER", "INNTER", "INOUT", "INPUT", "INSENSITIVE", "INSERT",
    "INSTEAD", "INT", "INTEGER", "INTERSECT", "INTERVAL", "INTO", "INVALIDATE", "IS",
    "ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN", "KEY", "KEYS", "LAG", "LANGUAGE", "LARGE",
    "LAST", "LATERAL", "LEAD", "LEADING", "LEAVE", "LEFT", "LENGTH", "LESS", "LEVEL", "LIKE",
    "LIMIT", "LIMITED", "LINES", "LIST", "LOAD", "LOCAL", "LOCALTIME", "LOCALTIMESTAMP",
    "LOCATION", "LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED", "LONG", "LOOP", "LOWER", "MAP",
    "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE", "METHOD", "METRICS", "MIN",
    "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES", "MODIFY", "MODULE", "MONTH",
    "MULTI", "MULTISET", "NAME", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW",
    "NEXT", "NO", "NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT", "OF",
    "OFFLINE", "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN", "OPERATOR", "OPTION",
    "OR", "ORDER", "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER", "OUTPUT", "OVER",
    "OVERLAPS", "OVERRIDE", "OWNER", "PAD", "PARALLEL", "PARAMETER", "PARAMETERS", "PARTIAL",
    "PARTITION", "PARTITIONED", "PARTITIONS", "PATH", "PERCENT", "PERCENTILE", "PERMISSION",
    "PERMISSIONS", "PIPE", "PIPELINED", "PLAN", "POOL", "POSITION", "PRECISION", "PREPARE",
    "PRESERVE", "PRIMARY", "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED",
    "PROJECT", "PROJECTION", "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY", "QUIT",
    "QUORUM", "RAISE", "RANDOM", "RANGE", "RANK", "RAW", "READ", "READS", "REAL", "REBUILD",
    "RECORD", "RECURSIVE", "REDUCE", "REF", "REFERENCE", "REFERENCES", "REFERENCING", "REGEXP",
    "REGION", "REINDEX", "RELATIVE", "RELEASE", "REMAINDER", "RENAME", "REPEAT", "REPLACE",
    "REQUEST", "RESET", "RESIGNAL", "RESOURCE", "RESPONSE", "RESTORE", "RESTRICT", "RESULT",
    "RETURN", "RETURNING", "RETURNS", "REVERSE", "REVOKE", "RIGHT", "ROLE", "ROLES", "ROLLBACK",
    "ROLLUP", "ROUTINE", "ROW", "ROWS", "RULE", "RULES", "SAMPLE", "SATISFIES", "SAVE",
    "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE", "SCROLL", "SEARCH", "SECOND", "SECTION", "SEGMENT",
    "SEGMENTS", "SELECT", "SELF", "SEMI", "SENSITIVE", "SEPARATE", "SEQUENCE", "SERIALIZABLE",
    "SESSION", "SET", "SETS", "SHARD", "SHARE", "SHARED", "SHORT", "SHOW", "SIGNAL", "SIMILAR",
    "SIZE", "SKEWED", "SMALLINT", "SNAPSHOT", "SOME", "SOURCE", "SPACE", "SPACES", "SPARSE",
    "SPECIFIC", "SPECIFICTYPE", "SPLIT", "SQL", "SQLCODE", "SQLERROR", "SQLEXCEPTION",
    "SQLSTATE", "SQLWARNING", "START", "STATE", "STATIC", "STATUS", "STORAGE", "STORE",
    "STORED", "STREAM", "STRING", "STRUCT", "STYLE", "SUB", "SUBMULTISET", "SUBPARTITION",
    "SUBSTRING", "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM", "SYSTEM", "TABLE",
    "TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN", "THEN", "THROUGHPUT",
    "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO", "TOKEN", "TOTAL", "TOUCH", "TRAILING",
    "TRANSACTION", "TRANSFORM", "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER", "TRIM", "TRUE",
    "TRUNCATE", "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE", "UNIT", "UNKNOWN",
    "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE", "UPPER", "URL", "USAGE",
    "USE", "USER", "USERS", "USING", "UUID", "VACUUM", "VALUE", "VALUED", "VALUES", "VARCHAR",
    "VARIABLE", "VARIANCE", "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID", "WAIT",
    "WHEN", "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT", "WORK",
    "WRAPPED", "WRITE", "YEAR", "ZONE"};
// clang-format on

bool IsReservedWord(absl::string_view word) {
  constexpr size_t kLongestReservedWord = 16;
  if (word.size() > kLongestReservedWord) return false;
  const std::string upper = absl::AsciiStrToUpper(word);
  return std::binary_search(std::begin(kReservedWords), std::end(kReservedWords),
                            absl::string_view(upper));
}

// ---------------------------------------------------------------------------
// Tokens. Names start with a letter and go on with letters, digits and '_';
// #name and :value references take at least one such character after the
// sign. Anything else is a one-character token the parser rejects, so that
// syntax errors can quote it with its neighbours as DynamoDB does.
// ---------------------------------------------------------------------------

enum class TokenKind { kName, kNameRef, kValueRef, kIndex, kPunct, kInvalid, kEnd };

struct Token {
  TokenKind kind;
  absl::string_view text;
  size_t begin;  // offset in the expression
};

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> Tokenize(absl::string_view src) {
  constexpr absl::string_view kPunctuation = "()[],.=<>+-";
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = src.size();
  while (i < n) {
    const char c = src[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    const size_t start = i;
    TokenKind kind;
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      ++i;
      while (i < n && IsNameChar(src[i])) ++i;
      kind = TokenKind::kName;
    } else if ((c == '#' || c == ':') && i + 1 < n && IsNameChar(src[i + 1])) {
      i += 2;
      while (i < n && IsNameChar(src[i])) ++i;
      kind = c == '#' ? TokenKind::kNameRef : TokenKind::kValueRef;
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      while (i < n && absl::ascii_isdigit(static_cast<unsigned char>(src[i]))) ++i;
      kind = TokenKind::kIndex;
    } else if ((c == '<' && i + 1 < n && (src[i + 1] == '>' || src[i + 1] == '=')) ||
               (c == '>' && i + 1 < n && src[i + 1] == '=')) {
      i += 2;
      kind = TokenKind::kPunct;
    } else if (kPunctuation.find(c) != absl::string_view::npos) {
      ++i;
      kind = TokenKind::kPunct;
    } else {
      const size_t len = Utf8SequenceLength(src, i);
      i += len == 0 ? 1 : len;
      kind = TokenKind::kInvalid;
    }
    out.push_back(Token{kind, src.substr(start, i - start), start});
  }
  out.push_back(Token{TokenKind::kEnd, absl::string_view(), n});
  return out;
}

// DynamoDB's rendering of a path in messages: "[a, b, [1]]".
std::string PathText(const DocPath& path) {
  std::vector<std::string> parts;
  for (const PathElement& e : path) {
    parts.push_back(e.is_index() ? absl::StrCat("[", e.index, "]") : Printable(e.name));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

bool IsConditionFunction(absl::string_view name) {
  return name == "attribute_exists" || name == "attribute_not_exists" || name == "attribute_type" ||
         name == "begins_with" || name == "contains";
}

bool IsUpdateFunction(absl::string_view name) {
  return name == "if_not_exists" || name == "list_append";
}

bool IsComparator(absl::string_view op) {
  return op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// The kinds of semantic error, each reported with its first occurrence. When
// an expression has several, DynamoDB reports them in an order that depends
// on the expression type; the parser keeps the first of each kind and the
// caller picks by that order.
enum class Problem {
  kInvalidValue,     // a :value or #name definition is itself invalid
  kLimit,            // path depth, IN operand count
  kRedundantParens,  // ((x))
  kUnknownFunction,
  kMisusedFunction,
  kReserved,
  kSection,  // a clause keyword twice
  kUndefinedName,
  kUndefinedValue,
  kOverlap,
  kConflict,
  kUpdateOperand,  // ADD / DELETE operand type
  kOperandCount,
  kDistinct,
  kOperandType,
  kCount
};

class Problems {
 public:
  void Add(Problem problem, std::string message) {
    std::optional<std::string>& slot = first_[static_cast<size_t>(problem)];
    if (!slot) slot = std::move(message);
  }
  const std::optional<std::string>& Get(Problem problem) const {
    return first_[static_cast<size_t>(problem)];
  }

 private:
  std::array<std::optional<std::string>, static_cast<size_t>(Problem::kCount)> first_;
};

constexpr Problem kConditionProblemOrder[] = {
    Problem::kInvalidValue,    Problem::kLimit,           Problem::kRedundantParens,
    Problem::kUnknownFunction, Problem::kMisusedFunction, Problem::kReserved,
    Problem::kUndefinedName,   Problem::kUndefinedValue,  Problem::kOperandCount,
    Problem::kDistinct,        Problem::kOperandType};
constexpr Problem kUpdateProblemOrder[] = {
    Problem::kInvalidValue, Problem::kLimit,           Problem::kRedundantParens,
    Problem::kReserved,     Problem::kUnknownFunction, Problem::kMisusedFunction,
    Problem::kSection,      Problem::kUndefinedName,   Problem::kUndefinedValue,
    Problem::kOverlap,      Problem::kConflict,        Problem::kUpdateOperand,
    Problem::kOperandCount, Problem::kDistinct,        Problem::kOperandType};
constexpr Problem kProjectionProblemOrder[] = {Problem::kInvalidValue, Problem::kLimit,
                                               Problem::kReserved,     Problem::kUndefinedName,
                                               Problem::kOverlap,      Problem::kConflict};

absl::Status FirstProblem(const Problems& problems, absl::Span<const Problem> order,
                          absl::string_view parameter) {
  for (Problem p : order) {
    if (const auto& message = problems.Get(p)) return Invalid(*message, parameter);
  }
  return absl::OkStatus();
}

// Rejects an empty or oversized expression before any parsing.
absl::Status CheckExpressionText(absl::string_view expression, absl::string_view parameter) {
  if (absl::StripAsciiWhitespace(expression).empty()) {
    return Invalid(absl::StrCat("Invalid ", parameter, ": The expression can not be empty;"),
                   parameter);
  }
  if (expression.size() > kMaxExpressionBytes) {
    // Condition expressions also report the size; the others do not.
    const bool report_size = parameter == kConditionExpression;
    return Invalid(
        absl::StrCat("Invalid ", parameter,
                     ": Expression size has exceeded the maximum allowed size;",
                     report_size ? absl::StrCat(" expression size: ", expression.size()) : ""),
        parameter);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// The parser: recursive descent over the token list. Syntax errors end the
// parse at once; semantic errors are collected (see Problems) so that the
// one DynamoDB would report wins.
// ---------------------------------------------------------------------------

class Parser {
 public:
  enum class Grammar { kCondition, kUpdate, kProjection };

  Parser(absl::string_view src, absl::string_view parameter, Grammar grammar,
         const ExpressionContext& context)
      : src_(src),
        parameter_(parameter),
        grammar_(grammar),
        context_(context),
        tokens_(Tokenize(src)) {}

  const Problems& problems() const { return problems_; }

  absl::StatusOr<Node> ParseCondition() {
    absl::StatusOr<Node> node = ParseOr();
    if (!node.ok()) return node.status();
    absl::Status status = RequireCondition(*node);
    if (!status.ok()) return status;
    if (Peek().kind != TokenKind::kEnd) return SyntaxError(pos_);
    return node;
  }

  absl::StatusOr<std::vector<UpdateAction>> ParseUpdate() {
    std::vector<UpdateAction> actions;
    bool seen[4] = {false, false, false, false};
    constexpr absl::string_view kClauses[4] = {"SET", "REMOVE", "ADD", "DELETE"};
    while (Peek().kind != TokenKind::kEnd) {
      const Token& keyword = Peek();
      int clause = -1;
      for (int c = 0; c < 4; ++c) {
        if (keyword.kind == TokenKind::kName && absl::EqualsIgnoreCase(keyword.text, kClauses[c])) {
          clause = c;
        }
      }
      if (clause < 0) return SyntaxError(pos_);
      ++pos_;
      if (seen[clause]) {
        AddProblem(Problem::kSection, absl::StrCat("The \"", kClauses[clause],
                                                   "\" section can only be used once in an "
                                                   "update expression;"));
      }
      seen[clause] = true;
      while (true) {
        UpdateAction action;
        action.type = static_cast<UpdateAction::Type>(clause);
        Node path;
        absl::Status status = ParsePath(&path);
        if (!status.ok()) return status;
        action.path = std::move(path.path);
        action.resolved = path.resolved;
        switch (action.type) {
          case UpdateAction::Type::kSet: {
            if (!IsPunct(Peek(), "=")) return SyntaxError(pos_);
            ++pos_;
            absl::StatusOr<Node> value = ParseSetValue();
            if (!value.ok()) return value.status();
            action.value = *std::move(value);
            CheckUpdateValue(action.value);
            break;
          }
          case UpdateAction::Type::kRemove:
            break;
          case UpdateAction::Type::kAdd:
          case UpdateAction::Type::kDelete: {
            if (Peek().kind != TokenKind::kValueRef) return SyntaxError(pos_);
            Node value;
            ResolveValue(Peek(), &value);
            ++pos_;
            action.operand = value.value;
            if (action.operand != nullptr) CheckAddDeleteOperand(action.type, *action.operand);
            break;
          }
        }
        actions.push_back(std::move(action));
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
    }
    std::vector<const DocPath*> paths;
    for (const UpdateAction& a : actions) {
      if (a.resolved) paths.push_back(&a.path);
    }
    CheckOverlaps(paths);
    return actions;
  }

  absl::StatusOr<std::vector<DocPath>> ParseProjection() {
    std::vector<DocPath> paths;
    bool all_resolved = true;
    while (true) {
      Node path;
      absl::Status status = ParsePath(&path);
      if (!status.ok()) return status;
      all_resolved = all_resolved && path.resolved;
      paths.push_back(std::move(path.path));
      if (!IsPunct(Peek(), ",")) break;
      ++pos_;
    }
    if (Peek().kind != TokenKind::kEnd) return SyntaxError(pos_);
    if (all_resolved) {
      std::vector<const DocPath*> pointers;
      for (const DocPath& p : paths) pointers.push_back(&p);
      CheckOverlaps(pointers);
    }
    return paths;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }

  static bool IsPunct(const Token& t, absl::string_view text) {
    return t.kind == TokenKind::kPunct && t.text == text;
  }

  // Words that structure the expression and so cannot name attributes.
  bool IsKeyword(const Token& t) const {
    if (t.kind != TokenKind::kName) return false;
    switch (grammar_) {
      case Grammar::kCondition:
        return absl::EqualsIgnoreCase(t.text, "AND") || absl::EqualsIgnoreCase(t.text, "OR") ||
               absl::EqualsIgnoreCase(t.text, "NOT") || absl::EqualsIgnoreCase(t.text, "BETWEEN") ||
               absl::EqualsIgnoreCase(t.text, "IN");
      case Grammar::kUpdate:
        return absl::EqualsIgnoreCase(t.text, "SET") || absl::EqualsIgnoreCase(t.text, "REMOVE") ||
               absl::EqualsIgnoreCase(t.text, "ADD") || absl::EqualsIgnoreCase(t.text, "DELETE");
      case Grammar::kProjection:
        return false;
    }
    return false;
  }

  bool IsKeyword(const Token& t, absl::string_view word) const {
    return t.kind == TokenKind::kName && absl::EqualsIgnoreCase(t.text, word);
  }

  // DynamoDB quotes the offending token and its neighbours:
  // Syntax error; token: "*", near: "numx * :v".
  absl::Status SyntaxError(size_t index) const {
    index = std::min(index, tokens_.size() - 1);
    const Token& token = tokens_[index];
    const size_t from = index > 0 ? tokens_[index - 1].begin : token.begin;
    size_t to = token.begin + token.text.size();
    if (token.kind != TokenKind::kEnd && index + 1 < tokens_.size() &&
        tokens_[index + 1].kind != TokenKind::kEnd) {
      to = tokens_[index + 1].begin + tokens_[index + 1].text.size();
    }
    const std::string quoted =
        token.kind == TokenKind::kEnd ? std::string("<EOF>") : Printable(token.text);
    return Invalid(absl::StrCat("Invalid ", parameter_, ": Syntax error; token: \"", quoted,
                                "\", near: \"", Printable(src_.substr(from, to - from)), "\""),
                   parameter_);
  }

  void AddProblem(Problem problem, absl::string_view message) {
    problems_.Add(problem, absl::StrCat("Invalid ", parameter_, ": ", message));
  }

  absl::Status CountOperator() {
    if (++operators_ > kMaxOperators) {
      return Invalid(absl::StrCat("Invalid ", parameter_,
                                  ": The expression contains too many operators or functions; "
                                  "limit: ",
                                  kMaxOperators),
                     parameter_);
    }
    return absl::OkStatus();
  }

  // Bounds the recursion of ParseTerm / ParseUpdateTerm (hostile input).
  class NestingGuard {
   public:
    explicit NestingGuard(Parser* parser) : parser_(parser) { ++parser_->nesting_; }
    ~NestingGuard() { --parser_->nesting_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
    absl::Status status() const {
      if (parser_->nesting_ <= kMaxParseNesting) return absl::OkStatus();
      return Invalid(absl::StrCat("Invalid ", parser_->parameter_,
                                  ": The expression nests parentheses or functions more than ",
                                  kMaxParseNesting, " levels deep"),
                     parser_->parameter_);
    }

   private:
    Parser* parser_;
  };

  // ---- names, values, paths ----

  void AddNameElement(const Token& token, Node* node) {
    if (IsReservedWord(token.text)) {
      AddProblem(
          Problem::kReserved,
          absl::StrCat("Attribute name is a reserved keyword; reserved keyword: ", token.text));
    }
    node->path.push_back(PathElement{std::string(token.text), -1});
  }

  void AddNameRef(const Token& token, Node* node) {
    const std::string ref(token.text);
    const auto* names = context_.names;
    const std::string* resolved = nullptr;
    if (names != nullptr) {
      auto it = names->find(ref);
      if (it != names->end()) resolved = &it->second;
    }
    if (resolved == nullptr) {
      AddProblem(Problem::kUndefinedName,
                 absl::StrCat("An expression attribute name used in the document path is not "
                              "defined; attribute name: ",
                              ref));
      node->resolved = false;
      node->path.push_back(PathElement{ref, -1});
      return;
    }
    if (resolved->empty()) {
      problems_.Add(Problem::kInvalidValue,
                    absl::StrCat("ExpressionAttributeNames contains invalid value: Empty "
                                 "attribute name for key ",
                                 ref));
    }
    node->path.push_back(PathElement{*resolved, -1});
  }

  void ResolveValue(const Token& token, Node* node) {
    node->kind = Node::Kind::kValue;
    node->ref = std::string(token.text);
    const AttributeValue* defined = nullptr;
    if (context_.values != nullptr) {
      auto it = context_.values->find(node->ref);
      if (it != context_.values->end()) defined = &it->second;
    }
    if (defined == nullptr) {
      AddProblem(Problem::kUndefinedValue,
                 absl::StrCat("An expression attribute value used in expression is not defined; "
                              "attribute value: ",
                              node->ref));
      return;
    }
    auto [cached, inserted] = validated_.emplace(node->ref, true);
    if (inserted) {
      absl::Status status = ValidateAttributeValue(*defined);
      if (!status.ok()) {
        cached->second = false;
        problems_.Add(Problem::kInvalidValue,
                      absl::StrCat("ExpressionAttributeValues contains invalid value: ",
                                   status.message(), " for key ", node->ref));
      }
    }
    if (cached->second) node->value = defined;
  }

  absl::Status ParsePath(Node* node) {
    node->kind = Node::Kind::kPath;
    const Token& first = Peek();
    if (first.kind == TokenKind::kName && !IsKeyword(first)) {
      AddNameElement(first, node);
    } else if (first.kind == TokenKind::kNameRef) {
      AddNameRef(first, node);
    } else {
      return SyntaxError(pos_);
    }
    ++pos_;
    while (true) {
      if (IsPunct(Peek(), ".")) {
        ++pos_;
        const Token& t = Peek();
        if (t.kind == TokenKind::kName && !IsKeyword(t)) {
          AddNameElement(t, node);
        } else if (t.kind == TokenKind::kNameRef) {
          AddNameRef(t, node);
        } else {
          return SyntaxError(pos_);
        }
        ++pos_;
      } else if (IsPunct(Peek(), "[")) {
        ++pos_;
        const Token& t = Peek();
        if (t.kind != TokenKind::kIndex) return SyntaxError(pos_);
        int64_t index = 0;
        for (char c : t.text) {
          index = index * 10 + (c - '0');
          if (index > INT32_MAX) return SyntaxError(pos_);
        }
        ++pos_;
        if (!IsPunct(Peek(), "]")) return SyntaxError(pos_);
        ++pos_;
        node->path.push_back(PathElement{"", index});
      } else {
        break;
      }
    }
    if (node->path.size() > static_cast<size_t>(kMaxNestingLevels)) {
      problems_.Add(Problem::kLimit,
                    absl::StrCat("Invalid ", parameter_,
                                 ": The document path has too many nesting levels; nesting "
                                 "levels: ",
                                 node->path.size()));
    }
    node->end = pos_;
    return absl::OkStatus();
  }

  // ---- conditions ----

  absl::StatusOr<Node> ParseOr() { return ParseJunction("OR", Node::Kind::kOr); }

  absl::StatusOr<Node> ParseAnd() { return ParseJunction("AND", Node::Kind::kAnd); }

  // a OR b OR c (or AND) as one node with many children: flat, so long
  // chains cost no recursion. AND binds tighter than OR.
  absl::StatusOr<Node> ParseJunction(absl::string_view keyword, Node::Kind kind) {
    absl::StatusOr<Node> first = kind == Node::Kind::kOr ? ParseAnd() : ParseNot();
    if (!first.ok() || !IsKeyword(Peek(), keyword)) return first;
    Node junction;
    junction.kind = kind;
    absl::Status status = RequireCondition(*first);
    if (!status.ok()) return status;
    junction.children.push_back(*std::move(first));
    while (IsKeyword(Peek(), keyword)) {
      ++pos_;
      status = CountOperator();
      if (!status.ok()) return status;
      absl::StatusOr<Node> next = kind == Node::Kind::kOr ? ParseAnd() : ParseNot();
      if (!next.ok()) return next.status();
      status = RequireCondition(*next);
      if (!status.ok()) return status;
      junction.children.push_back(*std::move(next));
    }
    junction.end = pos_;
    return junction;
  }

  // NOT binds tighter than AND; a run of NOTs is read without recursion.
  absl::StatusOr<Node> ParseNot() {
    int nots = 0;
    while (IsKeyword(Peek(), "NOT")) {
      ++pos_;
      ++nots;
      absl::Status status = CountOperator();
      if (!status.ok()) return status;
    }
    absl::StatusOr<Node> inner = ParseComparison();
    if (!inner.ok() || nots == 0) return inner;
    absl::Status status = RequireCondition(*inner);
    if (!status.ok()) return status;
    Node result = *std::move(inner);
    for (int k = 0; k < nots; ++k) {
      Node wrapped;
      wrapped.kind = Node::Kind::kNot;
      wrapped.end = result.end;
      wrapped.children.push_back(std::move(result));
      result = std::move(wrapped);
    }
    return result;
  }

  // operand comparator operand | operand BETWEEN operand AND operand |
  // operand IN (operand, ...) | term. A bare term may be an operand; the
  // caller decides whether that is allowed where it stands.
  absl::StatusOr<Node> ParseComparison() {
    absl::StatusOr<Node> left = ParseTerm();
    if (!left.ok()) return left;
    const Token& next = Peek();
    const bool comparator = next.kind == TokenKind::kPunct && IsComparator(next.text);
    const bool between = IsKeyword(next, "BETWEEN");
    const bool in = IsKeyword(next, "IN");
    if (!comparator && !between && !in) return left;
    if (!left->IsOperand()) return SyntaxError(pos_);
    Node node;
    node.op = comparator ? std::string(next.text) : absl::AsciiStrToUpper(next.text);
    ++pos_;
    absl::Status status = CountOperator();
    if (!status.ok()) return status;
    node.children.push_back(*std::move(left));
    if (comparator) {
      node.kind = Node::Kind::kCompare;
      status = ParseOperandInto(&node.children);
      if (!status.ok()) return status;
      CheckComparison(node);
    } else if (between) {
      node.kind = Node::Kind::kBetween;
      status = ParseOperandInto(&node.children);
      if (!status.ok()) return status;
      if (!IsKeyword(Peek(), "AND")) return SyntaxError(pos_);
      ++pos_;
      status = ParseOperandInto(&node.children);
      if (!status.ok()) return status;
      CheckBetween(node);
    } else {
      node.kind = Node::Kind::kIn;
      if (!IsPunct(Peek(), "(")) return SyntaxError(pos_);
      ++pos_;
      while (true) {
        status = ParseOperandInto(&node.children);
        if (!status.ok()) return status;
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      CheckIn(node);
    }
    node.end = pos_;
    return node;
  }

  absl::Status ParseOperandInto(std::vector<Node>* out) {
    absl::StatusOr<Node> operand = ParseTerm();
    if (!operand.ok()) return operand.status();
    if (!operand->IsOperand()) return SyntaxError(operand->end);
    out->push_back(*std::move(operand));
    return absl::OkStatus();
  }

  // After "(" and what it holds: the ")", and the redundant-parentheses check
  // (DynamoDB refuses "((a))").
  absl::StatusOr<Node> CloseParenthesized(absl::StatusOr<Node> inner) {
    if (!inner.ok()) return inner;
    if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
    ++pos_;
    if (inner->parenthesized) {
      problems_.Add(
          Problem::kRedundantParens,
          absl::StrCat("Invalid ", parameter_, ": The expression has redundant parentheses;"));
    }
    inner->parenthesized = true;
    inner->end = pos_;
    return inner;
  }

  // ( condition-or-operand ) | function ( operand, ... ) | :value | path
  absl::StatusOr<Node> ParseTerm() {
    NestingGuard guard(this);
    if (absl::Status status = guard.status(); !status.ok()) return status;
    const Token& t = Peek();
    if (IsPunct(t, "(")) {
      ++pos_;
      return CloseParenthesized(ParseOr());
    }
    Node node;
    if (t.kind == TokenKind::kValueRef) {
      ResolveValue(t, &node);
      ++pos_;
      node.end = pos_;
      return node;
    }
    if (t.kind == TokenKind::kName && !IsKeyword(t) && IsPunct(Peek(1), "(")) {
      node.kind = Node::Kind::kCall;
      node.op = std::string(t.text);
      pos_ += 2;
      absl::Status status = CountOperator();
      if (!status.ok()) return status;
      while (true) {
        status = ParseOperandInto(&node.children);
        if (!status.ok()) return status;
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      node.end = pos_;
      return node;
    }
    absl::Status status = ParsePath(&node);
    if (!status.ok()) return status;
    return node;
  }

  // Where a condition must stand: a bare path or value is a syntax error at
  // the token after it; a function call is checked as a boolean function.
  absl::Status RequireCondition(Node& node) {
    if (node.kind == Node::Kind::kCall) {
      CheckConditionFunction(node);
      return absl::OkStatus();
    }
    if (node.IsOperand()) return SyntaxError(node.end);
    return absl::OkStatus();
  }

  // The type a node is known to have before evaluation: a value's type, N
  // for size(); empty when it depends on the item.
  static absl::string_view StaticType(const Node& node) {
    if (node.kind == Node::Kind::kValue && node.value != nullptr)
      return AttributeTypeCode(*node.value);
    if (node.kind == Node::Kind::kCall && node.op == "size") return "N";
    return "";
  }

  // Functions used where an operand stands: only size() is one.
  void CheckOperand(Node& node) {
    if (node.kind != Node::Kind::kCall || node.checked) return;
    node.checked = true;
    if (node.op == "size") {
      for (Node& arg : node.children) CheckOperand(arg);
      if (node.children.size() != 1) {
        AddProblem(Problem::kOperandCount, OperandCountMessage(node));
        return;
      }
      const absl::string_view type = StaticType(node.children[0]);
      if (type == "N" || type == "BOOL" || type == "NULL") {
        AddProblem(Problem::kOperandType, OperandTypeMessage("size", type));
      }
    } else if (IsConditionFunction(node.op) || IsUpdateFunction(node.op)) {
      AddProblem(Problem::kMisusedFunction, absl::StrCat(kMisusedFunctionMessage, node.op));
    } else {
      AddProblem(Problem::kUnknownFunction,
                 absl::StrCat("Invalid function name; function: ", Printable(node.op)));
    }
  }

  static std::string OperandCountMessage(const Node& call) {
    return absl::StrCat(
        "Incorrect number of operands for operator or function; operator or function: ", call.op,
        ", number of operands: ", call.children.size());
  }

  static std::string OperandTypeMessage(absl::string_view function, absl::string_view type) {
    return absl::StrCat("Incorrect operand type for operator or function; operator or function: ",
                        function, ", operand type: ", type);
  }

  void CheckDistinct(const Node& first, const Node& second, absl::string_view op) {
    if (first.kind == Node::Kind::kPath && second.kind == Node::Kind::kPath && first.resolved &&
        second.resolved && first.path == second.path) {
      AddProblem(Problem::kDistinct,
                 absl::StrCat("The first operand must be distinct from the remaining operands "
                              "for this operator or function; operator: ",
                              op, ", first operand: ", PathText(first.path)));
    }
  }

  // Functions used where a condition stands.
  void CheckConditionFunction(Node& node) {
    if (node.checked) return;
    node.checked = true;
    if (!IsConditionFunction(node.op)) {
      if (node.op == "size" || IsUpdateFunction(node.op)) {
        AddProblem(Problem::kMisusedFunction, absl::StrCat(kMisusedFunctionMessage, node.op));
      } else {
        AddProblem(Problem::kUnknownFunction,
                   absl::StrCat("Invalid function name; function: ", Printable(node.op)));
      }
      return;
    }
    for (Node& arg : node.children) CheckOperand(arg);
    const size_t expected =
        (node.op == "attribute_exists" || node.op == "attribute_not_exists") ? 1 : 2;
    if (node.children.size() != expected) {
      AddProblem(Problem::kOperandCount, OperandCountMessage(node));
      return;
    }
    if (expected == 2) CheckDistinct(node.children[0], node.children[1], node.op);
    if (node.op == "attribute_exists" || node.op == "attribute_not_exists") {
      if (node.children[0].kind != Node::Kind::kPath) {
        AddProblem(Problem::kOperandType,
                   absl::StrCat("Operator or function requires a document path; operator or "
                                "function: ",
                                node.op));
      }
    } else if (node.op == "attribute_type") {
      const Node& type_arg = node.children[1];
      absl::string_view type = StaticType(type_arg);
      if (type != "S") {
        if (type_arg.kind != Node::Kind::kValue || type_arg.value != nullptr) {
          AddProblem(Problem::kOperandType,
                     OperandTypeMessage(node.op, type.empty() ? kAnyTypeName : type));
        }
        return;
      }
      static constexpr absl::string_view kTypes[] = {"S",  "N", "B", "SS",   "NS",
                                                     "BS", "M", "L", "NULL", "BOOL"};
      const std::string& name = type_arg.value->s();
      if (std::find(std::begin(kTypes), std::end(kTypes), name) == std::end(kTypes)) {
        AddProblem(Problem::kOperandType,
                   absl::StrCat("Invalid attribute type name found; type: ", Printable(name),
                                ", valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }"));
      }
    } else if (node.op == "begins_with") {
      for (const Node& arg : node.children) {
        const absl::string_view type = StaticType(arg);
        if (!type.empty() && type != "S" && type != "B") {
          AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, type));
          return;
        }
      }
    }
  }

  void CheckComparison(Node& node) {
    for (Node& operand : node.children) CheckOperand(operand);
    if (node.op != "=" && node.op != "<>") {
      for (const Node& operand : node.children) {
        if (operand.kind == Node::Kind::kValue && operand.value != nullptr &&
            !IsScalarKeyType(*operand.value)) {
          AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, TypeWord(*operand.value)));
          break;
        }
      }
    }
    CheckDistinct(node.children[0], node.children[1], node.op);
  }

  static std::string BoundText(const AttributeValue& v) {
    std::string text;
    switch (v.value_case()) {
      case AttributeValue::kS:
        text = Printable(v.s());
        break;
      case AttributeValue::kN:
        text = Printable(v.n());
        break;
      case AttributeValue::kB:
        text = absl::Base64Escape(v.b());
        break;
      default:
        break;
    }
    return absl::StrCat("AttributeValue: {", AttributeTypeCode(v), ":", text, "}");
  }

  void CheckBetween(Node& node) {
    for (Node& operand : node.children) CheckOperand(operand);
    for (const Node& operand : node.children) {
      if (operand.kind == Node::Kind::kValue && operand.value != nullptr &&
          !IsScalarKeyType(*operand.value)) {
        AddProblem(Problem::kOperandType, OperandTypeMessage("BETWEEN", TypeWord(*operand.value)));
        return;
      }
    }
    const Node& low = node.children[1];
    const Node& high = node.children[2];
    if (low.value == nullptr || high.value == nullptr) return;
    if (low.value->value_case() != high.value->value_case()) {
      AddProblem(
          Problem::kOperandType,
          absl::StrCat("The BETWEEN operator requires same data type for lower and upper "
                       "bounds; lower bound operand: ",
                       BoundText(*low.value), ", upper bound operand: ", BoundText(*high.value)));
    } else if (CompareScalarValues(*low.value, *high.value).value_or(0) > 0) {
      AddProblem(
          Problem::kOperandType,
          absl::StrCat("The BETWEEN operator requires upper bound to be greater than or "
                       "equal to lower bound; lower bound operand: ",
                       BoundText(*low.value), ", upper bound operand: ", BoundText(*high.value)));
    }
  }

  void CheckIn(Node& node) {
    for (Node& operand : node.children) CheckOperand(operand);
    if (node.children.size() > kMaxInOperands) {
      problems_.Add(Problem::kLimit,
                    absl::StrCat("Invalid ", parameter_,
                                 ": The IN operator is provided with too many operands; number "
                                 "of operands: ",
                                 node.children.size() - 1));
    }
  }

  // ---- update values ----

  // operand [ (+|-) operand ], or the same in parentheses.
  absl::StatusOr<Node> ParseSetValue() {
    absl::StatusOr<Node> left = ParseUpdateTerm();
    if (!left.ok()) return left;
    const Token& op = Peek();
    if (!IsPunct(op, "+") && !IsPunct(op, "-")) return left;
    const size_t op_index = pos_;
    ++pos_;
    absl::Status status = CountOperator();
    if (!status.ok()) return status;
    absl::StatusOr<Node> right = ParseUpdateTerm();
    if (!right.ok()) return right;
    // Only two operands: "a + b + c" and "(a + b) - c" are syntax errors.
    if (left->kind == Node::Kind::kArith) return SyntaxError(op_index);
    if (right->kind == Node::Kind::kArith) return SyntaxError(right->end);
    if (IsPunct(Peek(), "+") || IsPunct(Peek(), "-")) return SyntaxError(pos_);
    Node node;
    node.kind = Node::Kind::kArith;
    node.op = std::string(op.text);
    node.children.push_back(*std::move(left));
    node.children.push_back(*std::move(right));
    node.end = pos_;
    return node;
  }

  absl::StatusOr<Node> ParseUpdateTerm() {
    NestingGuard guard(this);
    if (absl::Status status = guard.status(); !status.ok()) return status;
    const Token& t = Peek();
    if (IsPunct(t, "(")) {
      ++pos_;
      return CloseParenthesized(ParseSetValue());
    }
    Node node;
    if (t.kind == TokenKind::kValueRef) {
      ResolveValue(t, &node);
      ++pos_;
      node.end = pos_;
      return node;
    }
    if (t.kind == TokenKind::kName && !IsKeyword(t) && IsPunct(Peek(1), "(")) {
      node.kind = Node::Kind::kCall;
      node.op = std::string(t.text);
      pos_ += 2;
      absl::Status status = CountOperator();
      if (!status.ok()) return status;
      while (true) {
        absl::StatusOr<Node> arg = ParseUpdateTerm();
        if (!arg.ok()) return arg.status();
        // f(a + b) is a syntax error in DynamoDB: + only joins whole values.
        if (arg->kind == Node::Kind::kArith) return SyntaxError(arg->end);
        node.children.push_back(*std::move(arg));
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      node.end = pos_;
      return node;
    }
    absl::Status status = ParsePath(&node);
    if (!status.ok()) return status;
    return node;
  }

  static absl::string_view StaticUpdateType(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kValue:
        return node.value != nullptr ? AttributeTypeCode(*node.value) : "";
      case Node::Kind::kArith:
        return "N";
      case Node::Kind::kCall:
        if (node.op == "list_append") return "L";
        if (node.op == "if_not_exists" && node.children.size() == 2) {
          return StaticUpdateType(node.children[1]);
        }
        return "";
      default:
        return "";
    }
  }

  void CheckUpdateValue(Node& node) {
    if (node.kind == Node::Kind::kArith) {
      for (Node& operand : node.children) CheckUpdateValue(operand);
      for (const Node& operand : node.children) {
        const absl::string_view type = StaticUpdateType(operand);
        if (!type.empty() && type != "N") {
          AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, type));
          return;
        }
      }
      return;
    }
    if (node.kind != Node::Kind::kCall) return;
    if (!IsUpdateFunction(node.op)) {
      AddProblem(Problem::kUnknownFunction,
                 absl::StrCat("Invalid function name; function: ", Printable(node.op)));
      return;
    }
    for (Node& arg : node.children) CheckUpdateValue(arg);
    if (node.children.size() != 2) {
      AddProblem(Problem::kOperandCount, OperandCountMessage(node));
      return;
    }
    if (node.op == "if_not_exists") {
      if (node.children[0].kind != Node::Kind::kPath) {
        AddProblem(Problem::kOperandType,
                   absl::StrCat("Operator or function requires a document path; operator or "
                                "function: ",
                                node.op));
      }
      return;
    }
    // list_append
    for (const Node& arg : node.children) {
      if (arg.kind == Node::Kind::kCall && arg.op == "list_append") {
        AddProblem(Problem::kMisusedFunction, absl::StrCat(kMisusedFunctionMessage, arg.op));
        return;
      }
      const absl::string_view type = StaticUpdateType(arg);
      if (!type.empty() && type != "L") {
        AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, type));
        return;
      }
    }
  }

  void CheckAddDeleteOperand(UpdateAction::Type type, const AttributeValue& operand) {
    const bool add = type == UpdateAction::Type::kAdd;
    const bool allowed = IsSet(operand) || (add && operand.value_case() == AttributeValue::kN);
    if (allowed) return;
    AddProblem(Problem::kUpdateOperand,
               absl::StrCat(
                   "Incorrect operand type for operator or function; operator: ",
                   add ? "ADD" : "DELETE", ", operand type: ", TypeWord(operand),
                   ", typeSet: ", add ? "ALLOWED_FOR_ADD_OPERAND" : "ALLOWED_FOR_DELETE_OPERAND"));
  }

  // Paths that overlap (one is, or contains, the other) or conflict (one
  // indexes a list where the other names a map key) cannot appear together.
  void CheckOverlaps(const std::vector<const DocPath*>& paths) {
    for (size_t j = 1; j < paths.size(); ++j) {
      for (size_t i = 0; i < j; ++i) {
        const DocPath& one = *paths[i];
        const DocPath& two = *paths[j];
        const size_t n = std::min(one.size(), two.size());
        bool diverged = false;
        for (size_t k = 0; k < n && !diverged; ++k) {
          if (one[k].is_index() != two[k].is_index()) {
            AddProblem(Problem::kConflict,
                       absl::StrCat("Two document paths conflict with each other; must remove or "
                                    "rewrite one of these paths; path one: ",
                                    PathText(one), ", path two: ", PathText(two)));
            diverged = true;
          } else if (!(one[k] == two[k])) {
            diverged = true;
          }
        }
        if (!diverged) {
          AddProblem(Problem::kOverlap,
                     absl::StrCat("Two document paths overlap with each other; must remove or "
                                  "rewrite one of these paths; path one: ",
                                  PathText(one), ", path two: ", PathText(two)));
          return;  // nothing outranks it among path problems
        }
      }
    }
  }

  absl::string_view src_;
  absl::string_view parameter_;
  Grammar grammar_;
  const ExpressionContext& context_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int operators_ = 0;
  int nesting_ = 0;
  Problems problems_;
  std::map<std::string, bool> validated_;
};

void CollectReferences(absl::string_view expression, std::set<std::string>* names,
                       std::set<std::string>* values) {
  for (const Token& t : Tokenize(expression)) {
    if (t.kind == TokenKind::kNameRef) names->insert(std::string(t.text));
    if (t.kind == TokenKind::kValueRef) values->insert(std::string(t.text));
  }
}

}  // namespace

int ComparePaths(const DocPath& a, const DocPath& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t k = 0; k < n; ++k) {
    const PathElement& x = a[k];
    const PathElement& y = b[k];
    if (x.is_index() != y.is_index()) return x.is_index() ? 1 : -1;
    if (x.is_index()) {
      if (x.index != y.index) return x.index < y.index ? -1 : 1;
    } else if (x.name != y.name) {
      return x.name < y.name ? -1 : 1;
    }
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

absl::StatusOr<Node> ParseConditionExpression(absl::string_view expression,
                                              const ExpressionContext& context,
                                              absl::string_view parameter) {
  absl::Status status = CheckExpressionText(expression, parameter);
  if (!status.ok()) return status;
  Parser parser(expression, parameter, Parser::Grammar::kCondition, context);
  absl::StatusOr<Node> tree = parser.ParseCondition();
  if (!tree.ok()) return tree.status();
  status = FirstProblem(parser.problems(), kConditionProblemOrder, parameter);
  if (!status.ok()) return status;
  return tree;
}

absl::StatusOr<std::vector<UpdateAction>> ParseUpdateExpression(absl::string_view expression,
                                                                const ExpressionContext& context) {
  absl::Status status = CheckExpressionText(expression, kUpdateExpression);
  if (!status.ok()) return status;
  Parser parser(expression, kUpdateExpression, Parser::Grammar::kUpdate, context);
  absl::StatusOr<std::vector<UpdateAction>> actions = parser.ParseUpdate();
  if (!actions.ok()) return actions.status();
  status = FirstProblem(parser.problems(), kUpdateProblemOrder, kUpdateExpression);
  if (!status.ok()) return status;
  return actions;
}

absl::StatusOr<std::vector<DocPath>> ParseProjectionExpression(absl::string_view expression,
                                                               const ExpressionContext& context) {
  absl::Status status = CheckExpressionText(expression, kProjectionExpression);
  if (!status.ok()) return status;
  Parser parser(expression, kProjectionExpression, Parser::Grammar::kProjection, context);
  absl::StatusOr<std::vector<DocPath>> paths = parser.ParseProjection();
  if (!paths.ok()) return paths.status();
  status = FirstProblem(parser.problems(), kProjectionProblemOrder, kProjectionExpression);
  if (!status.ok()) return status;
  return paths;
}

}  // namespace expressions_internal

absl::Status ValidateExpressionUsage(std::initializer_list<absl::string_view> expressions,
                                     const ExpressionContext& context) {
  std::set<std::string> used_names;
  std::set<std::string> used_values;
  for (absl::string_view expression : expressions) {
    expressions_internal::CollectReferences(expression, &used_names, &used_values);
  }
  std::vector<std::string> unused_names;
  if (context.names != nullptr) {
    for (const auto& [key, name] : *context.names) {
      if (used_names.count(key) == 0) unused_names.push_back(key);
    }
  }
  if (!unused_names.empty()) {
    std::sort(unused_names.begin(), unused_names.end());
    return expressions_internal::Invalid(
        absl::StrCat("Value provided in ExpressionAttributeNames unused in "
                     "expressions: keys: {",
                     expressions_internal::Printable(absl::StrJoin(unused_names, ", ")), "}"),
        "ExpressionAttributeNames");
  }
  std::vector<std::string> unused_values;
  if (context.values != nullptr) {
    for (const auto& [key, value] : *context.values) {
      if (used_values.count(key) == 0) unused_values.push_back(key);
    }
  }
  if (!unused_values.empty()) {
    std::sort(unused_values.begin(), unused_values.end());
    return expressions_internal::Invalid(
        absl::StrCat("Value provided in ExpressionAttributeValues unused in "
                     "expressions: keys: {",
                     expressions_internal::Printable(absl::StrJoin(unused_values, ", ")), "}"),
        "ExpressionAttributeValues");
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
