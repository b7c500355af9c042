#!/usr/bin/env python3
"""Writes the text seeds of the fuzz corpora (run once, output committed):

  aws_json_codec/       the codec goldens of tests/testdata/codec and small
                        documents of the other response shapes
  aws_protocols/        error responses of AWS's protocol test suite
                        (tests/testdata/aws-protocols/output) and successes
  sigv4/                every request of the SigV4 test suite
                        (tests/testdata/sigv4, request.txt / *.req)
  dynamodb_expressions/ valid expressions of each kind, numbers and values

The seeds that hold live simulator values come from fuzz_seed_generator.
Usage: tests/fuzz/make_text_seeds.py (from anywhere).
"""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"
TESTDATA = ROOT / "tests/testdata"


def write(target, name, text):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(text.encode() if isinstance(text, str) else text)


def slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80]


def json_codec():
    goldens = {
        "get_records_aws_sample.json": "aws.dynamodbstreams.v1.GetRecordsResponse",
        "get_records_all_types.json": "aws.dynamodbstreams.v1.GetRecordsResponse",
        "cognito_list_records.json": "aws.cognitosync.v1.ListRecordsResponse",
        "cognito_update_records_request.json": "aws.cognitosync.v1.UpdateRecordsRequest",
        "personalize_list_datasets.json": "aws.personalize.v1.ListDatasetsResponse",
    }
    for file, message in goldens.items():
        write("aws_json_codec", file, message + "\n" + (TESTDATA / "codec" / file).read_text())
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2026-01-01T00:00:00.000"
    small = {
        "describe_stream": ("aws.dynamodbstreams.v1.DescribeStreamResponse", {
            "StreamDescription": {
                "StreamArn": arn, "StreamLabel": "2026-01-01T00:00:00.000",
                "StreamStatus": "ENABLED", "StreamViewType": "NEW_AND_OLD_IMAGES",
                "CreationRequestDateTime": 1767225600.123, "TableName": "Music",
                "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}],
                "Shards": [{"ShardId": "shardId-00000001767225600000-0a1b2c3d",
                            "SequenceNumberRange": {"StartingSequenceNumber": "100000000000000000001"}}],
                "LastEvaluatedShardId": None}}),
        "list_streams": ("aws.dynamodbstreams.v1.ListStreamsResponse", {
            "Streams": [{"StreamArn": arn, "TableName": "Music", "StreamLabel": "2026-01-01T00:00:00.000"}],
            "LastEvaluatedStreamArn": arn}),
        "get_shard_iterator": ("aws.dynamodbstreams.v1.GetShardIteratorResponse",
                               {"ShardIterator": "AAAAAAAAAAH3d0Nk8qN="}),
        "personalize_describe_dataset": ("aws.personalize.v1.DescribeDatasetResponse", {
            "dataset": {"name": "movies", "datasetArn": "arn:aws:personalize:us-east-1:123456789012:dataset/g/INTERACTIONS",
                        "datasetType": "Interactions", "status": "ACTIVE",
                        "creationDateTime": 1.767225600E9, "lastUpdatedDateTime": 1767225610}}),
        "personalize_list_dataset_groups": ("aws.personalize.v1.ListDatasetGroupsResponse", {
            "datasetGroups": [{"name": "g", "status": "CREATE PENDING", "creationDateTime": 1767225600}],
            "nextToken": "abc"}),
        "cognito_list_datasets": ("aws.cognitosync.v1.ListDatasetsResponse", {
            "Count": 1, "Datasets": [{"DatasetName": "settings", "NumRecords": 3, "DataStorage": 42,
                                      "CreationDate": 1577836800, "IdentityId": "us-east-1:1"}]}),
        "dynamodb_get_item": ("aws.dynamodb.v1.GetItemResponse", {
            "Item": {"a": {"NS": ["1", "2.5E3"]}, "b": {"BS": ["AAE="]}, "c": {"NULL": True},
                     "d": {"L": [{"M": {"e": {"BOOL": False}}}]}},
            "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}}),
        "dynamodb_describe_table": ("aws.dynamodb.v1.DescribeTableResponse", {
            "Table": {"TableName": "Music", "TableStatus": "ACTIVE", "ItemCount": 3, "TableSizeBytes": 120,
                      "CreationDateTime": 1767225600.5,
                      "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5,
                                                "NumberOfDecreasesToday": 0}}}),
        "attribute_value_nested": ("aws.dynamodb.v1.AttributeValue",
                                   {"M": {"x": {"L": [{"L": [{"L": [{"S": "deep"}]}]}]}}}),
    }
    for name, (message, doc) in small.items():
        write("aws_json_codec", name + ".json", message + "\n" + json.dumps(doc, indent=1))
    write("aws_json_codec", "floats.json",
          'aws.dynamodb.v1.ConsumedCapacity\n{"CapacityUnits": "NaN", "ReadCapacityUnits": "-Infinity", '
          '"WriteCapacityUnits": 1e308}')


def protocols():
    suites = {"json_1_0.json": "DynamoDB Streams.GetRecords",
              "json.json": "Personalize.ListDatasets",
              "rest-json.json": "Cognito Sync.ListRecords"}
    for file, op in suites.items():
        for group in json.loads((TESTDATA / "aws-protocols/output" / file).read_text()):
            for case in group["cases"]:
                response = case["response"]
                if response["status_code"] < 300:
                    continue
                headers = "".join(f"{k}: {v}\n" for k, v in response.get("headers", {}).items())
                write("aws_protocols", slug(case.get("id") or case["given"]["name"]) + "_" + slug(file),
                      f"{op}\n{response['status_code']}\n{headers}\n{response.get('body', '')}")
    codec = TESTDATA / "codec"
    write("aws_protocols", "get_records_200",
          "DynamoDB Streams.GetRecords\n200\nx-amzn-RequestId: REQ123\n"
          "Content-Type: application/x-amz-json-1.0\n\n" + (codec / "get_records_aws_sample.json").read_text())
    write("aws_protocols", "cognito_list_records_200",
          "Cognito Sync.ListRecords\n200\nx-amzn-RequestId: abc\n\n" + (codec / "cognito_list_records.json").read_text())
    write("aws_protocols", "personalize_list_datasets_200",
          "Personalize.ListDatasets\n200\n\n" + (codec / "personalize_list_datasets.json").read_text())
    write("aws_protocols", "dynamodb_conditional_check_400",
          "DynamoDB.PutItem\n400\nx-amzn-RequestId: R1\n\n"
          '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",'
          '"message":"The conditional request failed","Item":{"pk":{"S":"a"}}}')
    write("aws_protocols", "streams_expired_iterator_400",
          "DynamoDB Streams.GetRecords\n400\n\n"
          '{"__type":"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException","Message":"Iterator expired"}')
    write("aws_protocols", "throttled_html_429", "DynamoDB.GetItem\n429\nContent-Type: text/html\n\n<html>Slow down</html>")
    write("aws_protocols", "unavailable_empty_503", "Personalize.DescribeDataset\n503\n\n")
    write("aws_protocols", "cognito_update_request",
          "Cognito Sync.UpdateRecords\n200\n\n" + (codec / "cognito_update_records_request.json").read_text())
    write("aws_protocols", "describe_stream_request",
          'DynamoDB Streams.DescribeStream\n200\n\n{"StreamArn":"arn:aws:dynamodb:us-east-1:1:table/t/stream/x",'
          '"Limit":10,"ExclusiveStartShardId":"shardId-1"}')
    write("aws_protocols", "cognito_list_records_request",
          'Cognito Sync.ListRecords\n200\n\n{"IdentityPoolId":"us-east-1:0000 /?#","IdentityId":"us-east-1:1",'
          '"DatasetName":"a.b:c","LastSyncCount":0,"MaxResults":2,"NextToken":"t/+="}')


def sigv4():
    for path in sorted((TESTDATA / "sigv4").rglob("*")):
        if path.name == "request.txt":
            write("sigv4", path.parent.name, path.read_bytes())
        elif path.suffix == ".req":
            write("sigv4", path.stem, path.read_bytes())


def expressions():
    seeds = {
        "condition_compare": "condition\n#n > :n AND a = :hello",
        "condition_functions": "condition\nattribute_exists(map.nested.deep[0]) AND begins_with(a, :s) OR contains(#t, :s)",
        "condition_between_in": "condition\nnum BETWEEN :zero AND :big AND NOT (a IN (:s, :hello)) AND size(#l) <> :n",
        "condition_type": "condition\nattribute_type(#m, :s) OR attribute_not_exists(#missing) AND #dot = :s",
        "update_set": "update\nSET a = :s, #n = #n + :n, list[1] = if_not_exists(nope, :l), #l = list_append(#l, :l)",
        "update_remove_add_delete": "update\nREMOVE map.k, list[0] ADD nums :ns, counter :n DELETE tags :ss",
        "update_key": "update\nSET #pk = :s",
        "projection": "projection\npk, #m.nested.deep[0], list[2].x, #dot",
        "usage": "usage\n#pk = :s",
        "number_plain": "number\n001.50",
        "number_exponent": "number\n-9.9999999999999999999999999999999999999E+125",
        "number_small": "number\n1E-130",
        "value_map": 'value\n{"M": {"n": {"NS": ["1", "1.0"]}, "l": {"L": [{"N": "0.000"}, {"S": ""}]}}}',
        "value_bad_number": 'value\n{"N": "1e999"}',
    }
    for name, text in seeds.items():
        write("dynamodb_expressions", name, text)


def token_sealer():
    write("token_sealer", "forged", "dynamodbstreams.iterator\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    write("token_sealer", "not_base64", "personalize.ListSchemas\n!!not base64!!")


if __name__ == "__main__":
    json_codec()
    protocols()
    sigv4()
    expressions()
    token_sealer()
