{
  "targets": [
    {
      "target_name": "snappy",
      "sources": ["snappy.c"],
      "cflags": ["-O2"]
    }
  ]
}
