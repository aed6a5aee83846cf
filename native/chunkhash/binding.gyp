{
  "variables": {
    "zstd_lib": "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require('path').dirname(require.resolve('zstd-napi/package.json')), 'deps', 'zstd', 'lib'))\")"
  },
  "targets": [
    {
      "target_name": "zstd_decompress",
      "type": "static_library",
      "sources": [
        "<(zstd_lib)/common/debug.c",
        "<(zstd_lib)/common/entropy_common.c",
        "<(zstd_lib)/common/error_private.c",
        "<(zstd_lib)/common/fse_decompress.c",
        "<(zstd_lib)/common/xxhash.c",
        "<(zstd_lib)/common/zstd_common.c",
        "<(zstd_lib)/decompress/huf_decompress.c",
        "<(zstd_lib)/decompress/zstd_ddict.c",
        "<(zstd_lib)/decompress/zstd_decompress.c",
        "<(zstd_lib)/decompress/zstd_decompress_block.c",
        "<(zstd_lib)/decompress/huf_decompress_amd64.S"
      ],
      "cflags": ["-O3", "-fvisibility=hidden"],
      "defines": ["ZSTD_NO_TRACE", "XXH_NAMESPACE=ARRAYRECORD_ZSTD_", "ZSTDLIB_VISIBLE=", "ZSTDERRORLIB_VISIBLE="],
      "direct_dependent_settings": { "include_dirs": ["<(zstd_lib)"] }
    },
    {
      "target_name": "chunkhash",
      "sources": ["chunkhash.c", "chunkdecode.c", "../snappy/snappy-codec.c"],
      "include_dirs": ["../snappy"],
      "dependencies": ["zstd_decompress"],
      "cflags": ["-O2", "-fvisibility=hidden"]
    }
  ]
}
