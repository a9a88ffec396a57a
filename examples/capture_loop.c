/* A capture loop as a camera application would write it, queuing through liblsedge.
 *
 *   capture_loop SPOOL_DIR CAPTURE_DIR FRAMES
 *
 * Each "frame" is written to CAPTURE_DIR (here: a few bytes standing in for a JPEG) with the
 * model's detections beside it, then queued in the spool with its predictions; every fourth
 * frame also queues a sensor reading as a task. The lsedge service (`lsedge run`) uploads them
 * whenever the network allows. A full spool keeps the frame on disk to queue later: nothing is
 * lost, nothing blocks the capture. Exit status: 0 when every frame was queued.
 */
#include <lsedge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_file(const char* path, const char* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    return -1;
  }
  const int ok = fwrite(data, 1, size, f) == size;
  /* Written whole, then closed: the spool may hard-link it, so it is never rewritten. */
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* The model's output for one frame, Label Studio's prediction format. */
static int write_detections(const char* path, unsigned frame) {
  char json[512];
  const int n = snprintf(json, sizeof json,
                         "[{\"result\": [{\"from_name\": \"label\", \"to_name\": \"image\", "
                         "\"type\": \"rectanglelabels\", \"value\": {\"x\": %u, \"y\": 20, "
                         "\"width\": 30, \"height\": 40, \"rectanglelabels\": [\"%s\"]}}], "
                         "\"score\": 0.%02u, \"model_version\": \"yolo-v8n-2026-11\"}]\n",
                         frame % 60, frame % 2 ? "person" : "car", 50 + frame % 50);
  return n > 0 && (size_t)n < sizeof json ? write_file(path, json, (size_t)n) : -1;
}

static void report(const char* what, lsedge_status status, const lsedge_error* error) {
  fprintf(stderr, "capture_loop: %s: %s: %s (%s)\n", what, lsedge_status_name(status),
          lsedge_status_message(status), error->detail);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: capture_loop SPOOL_DIR CAPTURE_DIR FRAMES\n");
    return 2;
  }
  const char* spool = argv[1];
  const char* captures = argv[2];
  const unsigned frames = (unsigned)strtoul(argv[3], NULL, 10);
  char title[256];
  lsedge_error error;
  lsedge_status status =
      lsedge_format_title("Dock camera 3 - forklift and pallet detection",
                          "6b5805c9-9b11-4cb5-bd73-2f373d26963c", title, sizeof title, &error);
  if (status != LSEDGE_OK) {
    report("title", status, &error);
    return 1;
  }
  printf("%s; project title \"%s\"\n", lsedge_version(), title);

  unsigned queued = 0;
  for (unsigned frame = 1; frame <= frames; ++frame) {
    char image[512];
    char detections[512];
    snprintf(image, sizeof image, "%s/frame-%06u.jpg", captures, frame);
    snprintf(detections, sizeof detections, "%s/frame-%06u.json", captures, frame);
    char pixels[64];
    memset(pixels, (int)frame, sizeof pixels);
    pixels[0] = (char)0xFF; /* a JPEG's first bytes */
    pixels[1] = (char)0xD8;
    if (write_file(image, pixels, sizeof pixels) != 0 || write_detections(detections, frame) != 0) {
      return 1;
    }
    const char* media[1] = {image};
    const char* predictions[1] = {detections};
    lsedge_add_result added;
    status = lsedge_spool_add_media(spool, media, predictions, 1, &added, &error);
    if (status == LSEDGE_SPOOL_FULL) {
      report("frame kept to queue later", status, &error);
      continue;
    }
    if (status != LSEDGE_OK) {
      report(image, status, &error);
      return 1;
    }
    ++queued;
    if (frame % 4 == 0) {
      char reading[128];
      const int n =
          snprintf(reading, sizeof reading,
                   "{\"data\": {\"sensor\": \"dock-3-temp\", \"celsius\": %u.5}}", 18 + frame % 5);
      status = lsedge_spool_add_tasks(spool, reading, (size_t)n, &added, &error);
      if (status != LSEDGE_OK) {
        report("sensor reading", status, &error);
        return 1;
      }
    }
  }
  lsedge_spool_status state;
  status = lsedge_spool_get_status(spool, &state, &error);
  if (status != LSEDGE_OK) {
    report("status", status, &error);
    return 1;
  }
  printf("queued %u of %u frames; the spool holds %llu entries (%llu tasks, %llu bytes)\n", queued,
         frames, (unsigned long long)state.queued_entries, (unsigned long long)state.queued_tasks,
         (unsigned long long)state.queued_bytes);
  return queued == frames ? 0 : 1;
}
