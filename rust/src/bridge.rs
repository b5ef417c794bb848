#[cxx::bridge] mod ffi {}
