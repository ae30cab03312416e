#!/usr/bin/env python3
"""Writes Flower's transport.proto back out from the descriptor compiled into the flwr wheel.

The flwr wheel ships flwr/proto/transport_pb2.py but not the .proto source; the serialized descriptor in it is
the exact schema Flower's clients speak. This prints it as .proto text, so that Concord can vendor it under
Protos/flwr/proto/ and generate Swift from it with scripts/generate-protos.sh:

    python3 scripts/flwr-proto-from-wheel.py > Protos/flwr/proto/transport.proto

Only what transport.proto uses is printed: messages (nested, maps, oneofs), enums and services.
"""
import sys

from google.protobuf import descriptor_pb2

from flwr.proto import transport_pb2

F = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    F.TYPE_DOUBLE: "double", F.TYPE_FLOAT: "float", F.TYPE_INT64: "int64", F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32", F.TYPE_FIXED64: "fixed64", F.TYPE_FIXED32: "fixed32", F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string", F.TYPE_BYTES: "bytes", F.TYPE_UINT32: "uint32", F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64", F.TYPE_SINT32: "sint32", F.TYPE_SINT64: "sint64",
}


def type_name(field, package):
    if field.type in SCALARS:
        return SCALARS[field.type]
    name = field.type_name.lstrip(".")
    prefix = package + "."
    return name[len(prefix):] if name.startswith(prefix) else name


def print_enum(enum, indent, out):
    out.append(f"{indent}enum {enum.name} {{")
    for value in enum.value:
        out.append(f"{indent}  {value.name} = {value.number};")
    out.append(f"{indent}}}")


def print_message(message, indent, package, out):
    out.append(f"{indent}message {message.name} {{")
    inner = indent + "  "
    maps = {nested.name: nested for nested in message.nested_type if nested.options.map_entry}
    for nested in message.nested_type:
        if not nested.options.map_entry:
            print_message(nested, inner, package, out)
    for enum in message.enum_type:
        print_enum(enum, inner, out)

    def field_line(field, pad):
        entry = maps.get(field.type_name.rsplit(".", 1)[-1]) if field.type == F.TYPE_MESSAGE else None
        if entry is not None and field.label == F.LABEL_REPEATED:
            key, value = entry.field[0], entry.field[1]
            kind = f"map<{type_name(key, package)}, {type_name(value, package)}>"
        else:
            label = "repeated " if field.label == F.LABEL_REPEATED else ""
            label = "optional " if field.proto3_optional else label
            kind = label + type_name(field, package)
        return f"{pad}{kind} {field.name} = {field.number};"

    real_oneofs = {
        index for index, _ in enumerate(message.oneof_decl)
        if not any(f.proto3_optional and f.oneof_index == index for f in message.field if f.HasField("oneof_index"))
    }
    printed_oneofs = set()
    for field in message.field:
        if field.HasField("oneof_index") and field.oneof_index in real_oneofs:
            index = field.oneof_index
            if index in printed_oneofs:
                continue
            printed_oneofs.add(index)
            out.append(f"{inner}oneof {message.oneof_decl[index].name} {{")
            for member in message.field:
                if member.HasField("oneof_index") and member.oneof_index == index:
                    out.append(field_line(member, inner + "  "))
            out.append(f"{inner}}}")
        else:
            out.append(field_line(field, inner))
    out.append(f"{indent}}}")


def main():
    file = descriptor_pb2.FileDescriptorProto()
    file.ParseFromString(transport_pb2.DESCRIPTOR.serialized_pb)
    out = [
        "// Copyright 2020 Flower Labs GmbH. All Rights Reserved.",
        "//",
        "// Licensed under the Apache License, Version 2.0 (the \"License\");",
        "// you may not use this file except in compliance with the License.",
        "// You may obtain a copy of the License at",
        "//",
        "//     http://www.apache.org/licenses/LICENSE-2.0",
        "//",
        "// Unless required by applicable law or agreed to in writing, software",
        "// distributed under the License is distributed on an \"AS IS\" BASIS,",
        "// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
        "// See the License for the specific language governing permissions and",
        "// limitations under the License.",
        "// ==============================================================================",
        "//",
        f"// Reconstructed by scripts/flwr-proto-from-wheel.py from the descriptor in flwr {getattr(__import__('flwr'), '__version__', '?')}'s",
        "// flwr/proto/transport_pb2.py (the wheel does not ship the .proto source). Do not edit by hand.",
        "",
        f"syntax = \"{file.syntax or 'proto2'}\";",
        "",
        f"package {file.package};",
        "",
    ]
    for dependency in file.dependency:
        out.append(f"import \"{dependency}\";")
    for enum in file.enum_type:
        print_enum(enum, "", out)
        out.append("")
    for message in file.message_type:
        print_message(message, "", file.package, out)
        out.append("")
    for service in file.service:
        out.append(f"service {service.name} {{")
        for method in service.method:
            request = ("stream " if method.client_streaming else "") + method.input_type.lstrip(".").removeprefix(file.package + ".")
            response = ("stream " if method.server_streaming else "") + method.output_type.lstrip(".").removeprefix(file.package + ".")
            out.append(f"  rpc {method.name}({request}) returns ({response}) {{}}")
        out.append("}")
        out.append("")
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
