#include "json_out.h"

#include "hue_json_writer.h"

void hue_json_fprint_string(FILE *f, const char *s)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_string(&w, s);
    const char *text = hue_json_writer_text(&w);
    fputs(text ? text : "null", f);  /* NULL only when out of memory */
    hue_json_writer_free(&w);
}

void hue_json_print_string(const char *s) { hue_json_fprint_string(stdout, s); }
