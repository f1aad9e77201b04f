/* Tesseract's C API only: it declares Leptonica's Pix as an incomplete struct, so Swift sees an
   image as an OpaquePointer (Images' DecodedImage.leptonicaPix) and this module never clashes
   with CLeptonica's full definitions. */
#include <tesseract/capi.h>
