{
  "targets": [
    {
      "target_name": "snappy_decode",
      "sources": ["snappy_decode.c"],
      "cflags": ["-O2"]
    }
  ]
}
