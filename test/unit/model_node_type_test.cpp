// repmgr's node types and its way of naming a node, as lib/model spells them.
#include "model/node_record.hpp"
#include "model/node_type.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

using namespace pgwarden::model;

TEST_CASE("every node type reads back from the name repmgr writes for it", "[model]") {
    for (const auto type : {NodeType::primary, NodeType::standby, NodeType::witness, NodeType::bdr})
        CHECK(parse_node_type(node_type_name(type)) == type);
    CHECK(node_type_name(NodeType::primary) == "primary");
    CHECK(node_type_name(NodeType::standby) == "standby");
    CHECK(node_type_name(NodeType::witness) == "witness");
    CHECK(node_type_name(NodeType::bdr) == "bdr");
}

TEST_CASE("a type repmgr does not know is no node type", "[model]") {
    CHECK_FALSE(parse_node_type("master"));
    CHECK_FALSE(parse_node_type("Primary"));
    CHECK_FALSE(parse_node_type(""));
}

TEST_CASE("a node type prints with {} as repmgr writes it", "[model]") {
    CHECK(fmt::format("node is a {}", NodeType::witness) == "node is a witness");
}

TEST_CASE("describe names a node as repmgr's messages do", "[model]") {
    NodeRecord node;
    node.node_id = 3;
    node.node_name = "node3";
    CHECK(describe(node) == "\"node3\" (ID: 3)");
}
