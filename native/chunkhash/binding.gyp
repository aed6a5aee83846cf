{
  "variables": {
    "zstd_lib": "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require('path').dirname(require.resolve('zstd-napi/package.json')), 'deps', 'zstd', 'lib'))\")"
  },
  "targets": [
    {
      "target_name": "zstd",
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
        "<(zstd_lib)/decompress/huf_decompress_amd64.S",
        "<(zstd_lib)/compress/fse_compress.c",
        "<(zstd_lib)/compress/hist.c",
        "<(zstd_lib)/compress/huf_compress.c",
        "<(zstd_lib)/compress/zstd_compress.c",
        "<(zstd_lib)/compress/zstd_compress_literals.c",
        "<(zstd_lib)/compress/zstd_compress_sequences.c",
        "<(zstd_lib)/compress/zstd_compress_superblock.c",
        "<(zstd_lib)/compress/zstd_double_fast.c",
        "<(zstd_lib)/compress/zstd_fast.c",
        "<(zstd_lib)/compress/zstd_lazy.c",
        "<(zstd_lib)/compress/zstd_ldm.c",
        "<(zstd_lib)/compress/zstd_opt.c",
        "<(zstd_lib)/compress/zstd_preSplit.c"
      ],
      "cflags": ["-O3", "-fvisibility=hidden"],
      "defines": ["ZSTD_NO_TRACE", "XXH_NAMESPACE=ARRAYRECORD_ZSTD_", "ZSTDLIB_VISIBLE=", "ZSTDERRORLIB_VISIBLE="],
      "direct_dependent_settings": { "include_dirs": ["<(zstd_lib)"] }
    },
    {
      "target_name": "chunkhash",
      "sources": ["chunkhash.c", "chunkdecode.c", "chunkencode.c", "../snappy/snappy-codec.c"],
      "include_dirs": ["../snappy"],
      "dependencies": ["zstd"],
      "cflags": ["-O2", "-fvisibility=hidden"]
    }
  ]
}
