{#- The integer MAJOR of a version string (version_part). -#}
{% macro version_major(version) -%}{{ version_part(version, 'major') }}{%- endmacro %}
