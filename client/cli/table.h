#ifndef AWSFACADE_CLIENT_CLI_TABLE_H_
#define AWSFACADE_CLIENT_CLI_TABLE_H_

#include <ostream>
#include <string>

#include "nlohmann/json.hpp"

namespace awsfacade::client::cli {

// --output table: an object's scalar members as a key/value table, each
// list of objects as a table with one column per member (nested values as
// compact JSON), each nested object as its own titled section.
void RenderTable(const nlohmann::ordered_json& value, const std::string& title, std::ostream& out);

// --output text, laid out as the AWS CLI's text output (for awk and cut):
// an object's scalar members on one tab-separated line, in the order of
// their sorted names, prefixed by the upper-cased name of the member that
// holds the object (none at the top); then each nested object or list under
// its member name. In a list of objects every line has the columns of the
// scalar members of any of them (empty where one lacks it); a list of
// scalars is one "NAME<TAB>value" line per element. true/false print as
// True/False.
void RenderText(const nlohmann::ordered_json& value, std::ostream& out);

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_TABLE_H_
