{
  "targets": [
    {
      "target_name": "snappy",
      "sources": ["snappy.c", "snappy-codec.c"],
      "cflags": ["-O2"]
    }
  ]
}
