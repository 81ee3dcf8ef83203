"""Test utilities shipped with receiptkit: synthetic inputs for tests, benchmarks and demos.

- :mod:`receiptkit.testing.screenshots`: payment-detail screenshots of
  WeChat Pay, Alipay, UnionPay QuickPass and a bank app, drawn with the
  expected reading of every field.
"""
