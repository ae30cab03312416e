#!/usr/bin/env bash
# Formats the Swift sources with the toolchain's swift-format and the rules in .swift-format;
# `scripts/format.sh --lint` only reports (and exits non-zero on) what does not conform.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--lint" ]; then
  exec swift format lint --strict --recursive --parallel Sources Tests Package.swift
fi
exec swift format format --in-place --recursive --parallel Sources Tests Package.swift
