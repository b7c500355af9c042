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

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_TABLE_H_
